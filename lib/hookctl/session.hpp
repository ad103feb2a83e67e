// A Session is one command's view of the store: the store, the instant the command runs at
// (read once from the injected Clock, so one command sees one `now`), and who runs it.
#pragma once

#include <optional>
#include <string>

#include "hookctl/store.hpp"
#include "hookctl/time.hpp"

namespace hookctl {

class Session {
 public:
  Session(Store& store, Time now, std::string actor)
      : store_(store), now_(now), actor_(std::move(actor)) {}

  Store& store() noexcept { return store_; }
  Time now() const noexcept { return now_; }
  const std::string& actor() const noexcept { return actor_; }

  // The store's inactivity period (policy), read once per session.
  Duration inactivity_period();
  void forget_policy() noexcept { period_.reset(); }

 private:
  Store& store_;
  Time now_;
  std::string actor_;
  std::optional<Duration> period_;
};

// The invoking OS user; under sudo, the user who ran sudo ("root via sudo" is not an answer an
// auditor wants). Falls back to "uid:N".
std::string invoking_actor();

}  // namespace hookctl
