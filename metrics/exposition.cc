#include "metrics/exposition.h"

#include <charconv>
#include <cmath>

namespace podkeeper::metrics {
namespace {

// The text format's escapes: backslash and newline always, the double quote only where the
// text stands inside quotes (label values; HELP text is not quoted).
void appendEscaped(std::string& out, std::string_view text, bool quoted) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quoted)
      out += "\\\"";
    else
      out += c;
  }
}

}  // namespace

void appendLabelValue(std::string& out, std::string_view value) {
  // Almost every value needs no escape: one append instead of one per character.
  if (value.find_first_of("\\\"\n") == std::string_view::npos) {
    out += value;
    return;
  }
  appendEscaped(out, value, true);
}

void appendHelp(std::string& out, std::string_view help) { appendEscaped(out, help, false); }

void appendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  // Whole numbers below 2^53 (byte counts, epoch seconds) are written as integers, which
  // is exact and easier to read than the shortest form "1.7e+09".
  constexpr double kExactIntegers = 9007199254740992.0;
  char* end;
  if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
    end = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(value)).ptr;
  } else {
    end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  }
  out.append(buf, end);
}

void appendFamilyHeader(std::string& out, std::string_view name, std::string_view help,
                        std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  appendHelp(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void appendLabel(std::string& out, std::string_view name, std::string_view value, bool first) {
  if (!first) out += ',';
  out += name;
  out += "=\"";
  appendLabelValue(out, value);
  out += '"';
}

void appendSample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out += name;
  out += labels;
  out += ' ';
  appendValue(out, value);
  out += '\n';
}

void appendSample(std::string& out, std::string_view name, std::string_view labels, double value,
                  int64_t timestampMs) {
  out += name;
  out += labels;
  out += ' ';
  appendValue(out, value);
  out += ' ';
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, timestampMs);
  out.append(buf, end);
  out += '\n';
}

}  // namespace podkeeper::metrics
