#include "manifests/quantity.h"

#include <array>
#include <cctype>
#include <limits>

namespace podkeeper::manifests {
namespace {

using Wide = __int128;
constexpr Wide kMaxValue = std::numeric_limits<int64_t>::max();
constexpr int kMaxDigits = 36;  // fits in __int128 with room to scale

struct Parsed {
  bool negative = false;
  std::string digits;  // significant digits, no leading zeros
  int exp10 = 0;       // value = digits * 10^exp10 * 2^exp2
  int exp2 = 0;
};

bool allDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Suffixes of the Kubernetes grammar: decimal SI, binary SI, or an e/E exponent.
bool applySuffix(std::string_view suffix, Parsed& p) {
  struct Entry {
    std::string_view name;
    int exp10;
    int exp2;
  };
  static constexpr std::array<Entry, 15> kSuffixes{{{"", 0, 0},
                                                    {"n", -9, 0},
                                                    {"u", -6, 0},
                                                    {"m", -3, 0},
                                                    {"k", 3, 0},
                                                    {"M", 6, 0},
                                                    {"G", 9, 0},
                                                    {"T", 12, 0},
                                                    {"P", 15, 0},
                                                    {"E", 18, 0},
                                                    {"Ki", 0, 10},
                                                    {"Mi", 0, 20},
                                                    {"Gi", 0, 30},
                                                    {"Ti", 0, 40},
                                                    {"Pi", 0, 50}}};
  for (const auto& e : kSuffixes) {
    if (suffix == e.name) {
      p.exp10 += e.exp10;
      p.exp2 += e.exp2;
      return true;
    }
  }
  if (suffix == "Ei") {
    p.exp2 += 60;
    return true;
  }
  if (suffix.size() < 2 || (suffix[0] != 'e' && suffix[0] != 'E')) return false;
  std::string_view exp = suffix.substr(1);
  bool negExp = false;
  if (exp[0] == '+' || exp[0] == '-') {
    negExp = exp[0] == '-';
    exp.remove_prefix(1);
  }
  if (!allDigits(exp) || exp.size() > 4) return false;
  int e = std::stoi(std::string(exp));
  p.exp10 += negExp ? -e : e;
  return true;
}

std::optional<Parsed> parse(std::string_view s) {
  Parsed p;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    p.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  size_t i = 0;
  std::string intPart, fracPart;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) intPart += s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) fracPart += s[i++];
  }
  if (intPart.empty() && fracPart.empty()) return std::nullopt;
  if (!applySuffix(s.substr(i), p)) return std::nullopt;
  std::string digits = intPart + fracPart;
  p.exp10 -= static_cast<int>(fracPart.size());
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Parsed{};  // zero
  digits.erase(0, first);
  while (digits.back() == '0') {
    digits.pop_back();
    ++p.exp10;
  }
  p.digits = digits;
  return p;
}

// ceil(digits * 10^e10 * 2^e2) for a non-negative value, nullopt when above int64.
std::optional<int64_t> ceilScaled(const Parsed& p, int e10) {
  if (p.digits.empty()) return 0;
  if (p.digits.size() > kMaxDigits) return std::nullopt;
  Wide m = 0;
  for (char c : p.digits) m = m * 10 + (c - '0');
  for (int i = 0; i < p.exp2; ++i) {
    if (__builtin_mul_overflow(m, 2, &m)) return std::nullopt;
  }
  for (int i = 0; i < e10; ++i) {
    m *= 10;
    if (m > kMaxValue) return std::nullopt;
  }
  // Dividing by ten one step at a time, rounding up each time, rounds up the whole quotient.
  for (int i = 0; i < -e10 && m > 1; ++i) m = m / 10 + (m % 10 != 0 ? 1 : 0);
  if (m > kMaxValue) return std::nullopt;
  return static_cast<int64_t>(m);
}

}  // namespace

ScaledQuantity parseQuantity(std::string_view text, int scale10) {
  if (text.empty() || text.size() > 64) return {std::nullopt, "is not a valid quantity"};
  std::optional<Parsed> p = parse(text);
  if (!p) return {std::nullopt, "is not a valid quantity"};
  if (p->exp10 > 64) return {std::nullopt, "is too large"};
  std::optional<int64_t> v = ceilScaled(*p, p->exp10 + scale10);
  if (!v) return {std::nullopt, "is too large"};
  return {p->negative ? -*v : *v, ""};
}

std::string formatCpuMilli(int64_t milli) {
  if (milli % 1000 == 0) return std::to_string(milli / 1000);
  return std::to_string(milli) + "m";
}

std::string formatBytes(int64_t bytes) {
  static constexpr std::array<const char*, 6> kBinary{"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  if (bytes == 0) return "0";
  int64_t v = bytes;
  int unit = -1;
  while (unit + 1 < static_cast<int>(kBinary.size()) && v % 1024 == 0) {
    v /= 1024;
    ++unit;
  }
  if (unit >= 0) return std::to_string(v) + kBinary[static_cast<size_t>(unit)];
  return std::to_string(bytes);
}

}  // namespace podkeeper::manifests
