#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "probe/handler_runner.h"

namespace podkeeper::reconciler::testing {

// Records every handler started; a test answers them, in any order, when it wants.
class FakeHandlers : public probe::HandlerRunner {
 public:
  struct Call {
    Id id;
    probe::HandlerSpec spec;
    Done done;
    bool cancelled = false;
    bool answered = false;
  };
  std::vector<Call> calls;

  Id start(const probe::HandlerSpec& spec, Done done) override {
    calls.push_back({++next_, spec, std::move(done)});
    return next_;
  }
  void cancel(Id id) override {
    for (auto& c : calls)
      if (c.id == id) c.cancelled = true;
  }

  // Calls neither answered nor cancelled.
  std::vector<Call*> pending() {
    std::vector<Call*> out;
    for (auto& c : calls)
      if (!c.cancelled && !c.answered) out.push_back(&c);
    return out;
  }
  size_t pendingCount() { return pending().size(); }
  // Answers the oldest pending call (optionally: whose command or kind matches).
  void answer(probe::HandlerOutcome outcome, const std::string& message = "",
              probe::HandlerKind kind = probe::HandlerKind::Exec) {
    for (auto& c : calls) {
      if (c.cancelled || c.answered || c.spec.kind != kind) continue;
      c.answered = true;
      auto done = std::move(c.done);
      done({outcome, message});
      return;
    }
    throw std::runtime_error("no pending handler to answer");
  }
  void answerAll(probe::HandlerOutcome outcome, const std::string& message = "") {
    for (auto* c : pending()) {
      c->answered = true;
      auto done = std::move(c->done);
      done({outcome, message});
    }
  }

 private:
  Id next_ = 0;
};

}  // namespace podkeeper::reconciler::testing
