// A Session is one command's view of the store: the store, the instant the command runs at
// (read once, from command_now(), so one command sees one `now`), and who runs it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookctl/model.hpp"
#include "hookctl/store.hpp"
#include "hookctl/time.hpp"

namespace hookctl {

class Session;

// Inside a change's write transaction, before the change's own writes (Session::change): the
// acting account, if any, still exists, is active and holds one of the rights the command needs,
// else Error(unauthorized) or Error(forbidden). Defined with the rights (rights.cpp).
void confirm_actor(Session& session);

// Who a command acts as, beyond the OS user (Session::actor): set by authorize() (rights.hpp)
// before the command's first change, and written with every audit event.
struct Acting {
  // The account acting, once authenticated (always, in delegated mode).
  std::optional<int64_t> account_id;
  std::optional<std::string> account;
  // How: "owner" (owner mode, no account), "owner-override", "password", or "token:<id>".
  std::string authenticated_by = "owner";
  std::optional<std::string> admin_token;  // the id of the admin token it authenticated with
  // The rights the command needs, any one of them (empty: none). Session::change checks, inside
  // each change's write transaction, that the acting account still holds one: a right revoked
  // after the command authenticated stops it.
  std::vector<Right> needs;
};

class Session {
 public:
  Session(Store& store, Time now, std::string actor)
      : store_(store), now_(now), actor_(std::move(actor)) {}

  Store& store() noexcept { return store_; }
  Time now() const noexcept { return now_; }
  const std::string& actor() const noexcept { return actor_; }
  const Acting& acting() const noexcept { return acting_; }
  void act_as(Acting acting) { acting_ = std::move(acting); }

  // A change of the store made by the command: f runs in a write transaction (Store::write) that
  // first confirms the acting account may still act (confirm_actor). The check comes before the
  // change's own writes, which are what it judges the actor by: a right revoked or an account
  // deactivated by someone else after the command authenticated stops the change, while an actor
  // may still take its own rights or delete itself. Writes that are not changes by the command
  // (a call's recorded use, a rejection's tally) use Store::write directly.
  template <class F>
  auto change(F&& f, Durability durability = Durability::full) -> decltype(f()) {
    const bool outermost = !store_.in_transaction();
    return store_.write(
        [&] {
          if (outermost) confirm_actor(*this);
          return f();
        },
        durability);
  }

  // The real time, when `now` was overridden (HOOKCTL_NOW, --at) and differs from it by more
  // than a minute: every audit event then says the clock was overridden (see record_event).
  void note_real_time(Time real) noexcept;
  std::optional<Time> overridden_real_time() const noexcept { return real_time_; }

  // The store's inactivity period (policy), read once per session (again if the store's
  // connection was replaced, as when a newly created store met one created meanwhile).
  Duration inactivity_period();
  void forget_policy() noexcept { period_.reset(); }
  // Records the period a statement read along with other rows (nullopt: the policy has no
  // setting, so the default applies), saving inactivity_period() its own query.
  void know_inactivity_period(std::optional<Duration> stored);

  // Rejection summaries (see record_rejection) this session knows to be in the audit log, so a
  // flood of rejected calls on one session costs no audit query each (only the count). Only
  // committed facts are noted, and the log is append-only, so a noted summary never goes stale.
  // A summary recalled is never `first`.
  std::optional<RejectionSummary> known_rejection_summary(std::string_view action,
                                                          std::string_view subject,
                                                          std::string_view reason) const;
  void note_rejection_summary(std::string_view action, std::string_view subject,
                              std::string_view reason, const RejectionSummary& summary);

 private:
  Store& store_;
  Time now_;
  std::string actor_;
  Acting acting_;
  std::optional<Time> real_time_;
  std::optional<Duration> period_;
  unsigned period_generation_ = 0;  // the store connection period_ was read from
  struct KnownSummary {
    std::string action, subject, reason;  // subject compared as names are (names_equal)
    RejectionSummary summary;
  };
  std::vector<KnownSummary> known_summaries_;
};

// Under sudo to another user (SUDO_UID set, and not this process's real uid): the uid of the user
// who ran sudo. nullopt otherwise. (A caller who sets SUDO_UID without sudo only restricts
// itself: it runs as itself either way.)
std::optional<unsigned> sudo_caller();

// The invoking OS user; under sudo, the user who ran sudo ("root via sudo" is not an answer an
// auditor wants). Falls back to "uid:N".
std::string invoking_actor();

// $HOOKCTL_NOW, or null when it is unset, empty, or ignored: under sudo (sudo_caller) the
// caller may not move the clock that inactivity and the audit log are judged by.
const char* clock_override();

}  // namespace hookctl
