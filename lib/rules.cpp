#include "hookctl/rules.hpp"

#include <fmt/format.h>

namespace hookctl::rules {

TokenStatus token_status(Time now, Time owner_inactive_at, const std::optional<Time>& expires_at,
                         const std::optional<Time>& revoked_at) noexcept {
  if (revoked_at) return TokenStatus::revoked;
  if (is_expired(expires_at, now)) return TokenStatus::expired;
  if (!is_active(owner_inactive_at, now)) return TokenStatus::owner_inactive;
  return TokenStatus::active;
}

std::optional<Time> webhook_breaks_at(bool has_token, const std::optional<Time>& revoked_at,
                                      const std::optional<Time>& expires_at,
                                      Time owner_inactive_at) noexcept {
  if (!has_token) return std::nullopt;
  if (revoked_at) return revoked_at;
  if (expires_at && *expires_at < owner_inactive_at) return expires_at;
  return owner_inactive_at;
}

bool webhook_broken(bool has_token, const std::optional<Time>& revoked_at,
                    const std::optional<Time>& breaks_at, Time now) noexcept {
  return !has_token || revoked_at.has_value() || (breaks_at && *breaks_at <= now);
}

bool webhook_at_risk(bool broken, const std::optional<Time>& breaks_at, Time now,
                     Duration window) noexcept {
  return broken || (breaks_at && *breaks_at <= now + window);
}

namespace sql {

std::string inactive_at(std::string_view last_activity_at, std::string_view period) {
  return fmt::format("({} + {})", last_activity_at, period);
}

std::string webhook_breaks_at(std::string_view token_id, std::string_view revoked_at,
                              std::string_view expires_at, std::string_view last_activity_at,
                              std::string_view period) {
  const std::string owner_inactive_at =
      inactive_at(fmt::format("coalesce({}, 0)", last_activity_at), period);
  // CASE rather than a two-argument min(): SQLite spells it min(), PostgreSQL least().
  return fmt::format(
      "(CASE WHEN {0} IS NULL THEN NULL WHEN {1} IS NOT NULL THEN {1} "
      "WHEN {2} IS NOT NULL AND {2} < {3} THEN {2} ELSE {3} END)",
      token_id, revoked_at, expires_at, owner_inactive_at);
}

std::string webhook_broken(std::string_view token_id, std::string_view revoked_at,
                           std::string_view breaks_at, std::string_view now) {
  return fmt::format("({} IS NULL OR {} IS NOT NULL OR {} <= {})", token_id, revoked_at, breaks_at,
                     now);
}

std::string token_unused(std::string_view last_used_at, std::string_view created_at,
                         std::string_view cutoff) {
  return fmt::format("(coalesce({}, {}) < {})", last_used_at, created_at, cutoff);
}

}  // namespace sql

}  // namespace hookctl::rules
