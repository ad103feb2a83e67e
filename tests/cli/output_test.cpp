// The CLI's output writers, tested in-process through the hookctl_cli library: the streaming JSON
// text of every object equals the Json tree of the same object, byte for byte.
#include <catch2/catch.hpp>

#include "hookctl/time.hpp"
#include "output.hpp"

using namespace hookctl;
using hookctl::cli::append_json;
using hookctl::cli::to_json;

namespace {

Time at(long long s) { return Time{Duration{s}}; }

template <class T>
void require_same_text(const T& object) {
  std::string streamed;
  append_json(streamed, object);
  CHECK(streamed == to_json(object).dump());
}

}  // namespace

TEST_CASE("every JSON object streams exactly as its tree dumps") {
  // Texts that need escaping or are not ASCII take the serializer's path; plain ones the fast one.
  for (std::string text :
       {"plain", "quote\" and \\ backslash", "tab\there", "caf\xc3\xa9 \xe2\x9c\x93", ""}) {
    INFO(text);
    Account a;
    a.name = "alice";
    a.email = text;
    a.last_activity_source = "token:" + text;
    a.created_at = at(1);
    a.last_activity_at = at(2);
    a.inactive_at = at(3);
    a.tokens = 42;
    require_same_text(a);
    a.email.reset();
    a.active = false;
    a.kind = AccountKind::service;
    require_same_text(a);

    Token t;
    t.id = "ab3de7fghk2m";
    t.owner = "svc";
    t.name = text;
    t.created_at = at(10);
    t.webhooks = {"orders", text};
    require_same_text(t);
    t.name.reset();
    t.last_used_at = at(11);
    t.expires_at = at(12);
    t.revoked_at = at(13);
    t.previous_secret_valid_until = at(14);
    t.status = TokenStatus::owner_inactive;
    t.webhooks.clear();
    require_same_text(t);

    Webhook w;
    w.name = "orders";
    w.description = text;
    w.created_at = at(20);
    require_same_text(w);
    w.token = "ab3de7fghk2m";
    w.token_kind = TokenKind::app;
    w.owner = "svc";
    w.broken = false;
    w.breaks_at = at(21);
    w.auth = AuthScheme::basic;
    require_same_text(w);

    require_same_text(AuditEvent{at(30), "root", "user.create", "alice", text});
    require_same_text(AuditEvent{at(31), "root", "auth.rejected", "orders", text, 199});
    Problem p;
    p.kind = ProblemKind::token_unused;
    p.code = ProblemCode::never_used;
    p.subject = "ab3de7fghk2m";
    p.message = text;
    require_same_text(p);
    p.kind = ProblemKind::webhook_at_risk;
    p.code = ProblemCode::owner_inactive_soon;
    p.subject = "orders";
    p.at = at(31);
    require_same_text(p);
  }
}
