#include "config/enum_names.hpp"

#include <optional>

namespace teardown {
namespace config_names {
namespace {

template <typename E>
std::string_view name_of(E value) {
  for (const NamedValue<E>& nv : named_values<E>()) {
    if (nv.value == value) return nv.name;
  }
  return "?";  // only an out-of-range cast can get here
}

template <typename E>
std::optional<E> value_of(std::string_view name) {
  for (const NamedValue<E>& nv : named_values<E>()) {
    if (nv.name == name) return nv.value;
  }
  return std::nullopt;
}

// Names are the TOML spellings docs/scenario.md lists and, where one exists, the HAProxy keyword.
constexpr NamedValue<ProxyVersion> kProxyVersions[] = {{ProxyVersion::V1_4, "1.4"},
                                                       {ProxyVersion::V1_5, "1.5"},
                                                       {ProxyVersion::V1_8, "1.8"},
                                                       {ProxyVersion::V2_0, "2.0"},
                                                       {ProxyVersion::V2_6, "2.6"}};
constexpr NamedValue<ProxyMode> kProxyModes[] = {{ProxyMode::Preset, "preset"},
                                                 {ProxyMode::HttpKeepAlive, "http-keep-alive"},
                                                 {ProxyMode::HttpServerClose, "http-server-close"},
                                                 {ProxyMode::HttpClose, "httpclose"},
                                                 {ProxyMode::HttpPretendKeepAlive, "http-pretend-keepalive"},
                                                 {ProxyMode::HttpTunnel, "http-tunnel"},
                                                 {ProxyMode::Tcp, "tcp"}};
constexpr NamedValue<Balance> kBalances[] = {{Balance::RoundRobin, "roundrobin"}, {Balance::StaticRr, "static-rr"},
                                             {Balance::LeastConn, "leastconn"},   {Balance::First, "first"},
                                             {Balance::Source, "source"},         {Balance::Random, "random"}};
constexpr NamedValue<HttpReuse> kHttpReuses[] = {{HttpReuse::Preset, "preset"},
                                                 {HttpReuse::Never, "never"},
                                                 {HttpReuse::Safe, "safe"},
                                                 {HttpReuse::Aggressive, "aggressive"},
                                                 {HttpReuse::Always, "always"}};
constexpr NamedValue<CloseHow> kCloseHows[] = {
    {CloseHow::Preset, "preset"},
    {CloseHow::Fin, "fin"},
    {CloseHow::Rst, "rst"},
    {CloseHow::LingerRisk, "linger-risk"}};
constexpr NamedValue<ArrivalKind> kArrivalKinds[] = {
    {ArrivalKind::Poisson, "poisson"}, {ArrivalKind::OnOff, "onoff"}, {ArrivalKind::Closed, "closed"}};
constexpr NamedValue<PoolReuse> kPoolReuses[] = {{PoolReuse::Lifo, "lifo"}, {PoolReuse::Fifo, "fifo"}};
constexpr NamedValue<KeepAliveKind> kKeepAliveKinds[] = {{KeepAliveKind::Forever, "forever"},
                                                         {KeepAliveKind::CloseAfterResponse, "close-after-response"},
                                                         {KeepAliveKind::IdleTimeout, "idle-timeout"}};
constexpr NamedValue<ServiceDist> kServiceDists[] = {
    {ServiceDist::Constant, "constant"},
    {ServiceDist::Exponential, "exponential"},
    {ServiceDist::Lognormal, "lognormal"}};
constexpr NamedValue<EventAction> kEventActions[] = {
    {EventAction::Restart, "restart"}, {EventAction::Down, "down"}, {EventAction::Up, "up"}};
constexpr NamedValue<RetryOn> kRetryOns[] = {{RetryOn::ConnFailure, "conn-failure"},
                                             {RetryOn::EmptyResponse, "empty-response"},
                                             {RetryOn::ResponseTimeout, "response-timeout"}};
constexpr NamedValue<Hop> kHops[] = {{Hop::ClientProxy, "client-proxy"}, {Hop::ProxyBackend, "proxy-backend"}};
constexpr NamedValue<MiddleboxExpiry> kMiddleboxExpiries[] = {{MiddleboxExpiry::Drop, "drop"},
                                                              {MiddleboxExpiry::RstSender, "rst-sender"},
                                                              {MiddleboxExpiry::RstBoth, "rst-both"}};
constexpr NamedValue<ProxySpread> kProxySpreads[] = {{ProxySpread::Dns, "dns"}, {ProxySpread::L4, "l4"}};
constexpr NamedValue<RandomSeed> kRandomSeeds[] = {
    {RandomSeed::Preset, "preset"}, {RandomSeed::Fixed, "fixed"}, {RandomSeed::PerStart, "per-start"}};

}  // namespace

std::string keep_alive_text(const KeepAlivePolicy& policy) {
  if (policy.kind == KeepAliveKind::IdleTimeout) return format_duration(policy.idle_timeout);
  return std::string(to_string(policy.kind));
}

}  // namespace config_names

#define TEARDOWN_ENUM_NAMES(Enum, table)                                        \
  template <>                                                                   \
  std::span<const config_names::NamedValue<Enum>> config_names::named_values() { \
    return config_names::table;                                                 \
  }                                                                             \
  std::string_view to_string(Enum v) { return config_names::name_of(v); }      \
  template <>                                                                   \
  std::optional<Enum> from_string<Enum>(std::string_view name) {                \
    return config_names::value_of<Enum>(name);                                  \
  }

TEARDOWN_ENUM_NAMES(ProxyVersion, kProxyVersions)
TEARDOWN_ENUM_NAMES(ProxyMode, kProxyModes)
TEARDOWN_ENUM_NAMES(Balance, kBalances)
TEARDOWN_ENUM_NAMES(HttpReuse, kHttpReuses)
TEARDOWN_ENUM_NAMES(CloseHow, kCloseHows)
TEARDOWN_ENUM_NAMES(ArrivalKind, kArrivalKinds)
TEARDOWN_ENUM_NAMES(PoolReuse, kPoolReuses)
TEARDOWN_ENUM_NAMES(KeepAliveKind, kKeepAliveKinds)
TEARDOWN_ENUM_NAMES(ServiceDist, kServiceDists)
TEARDOWN_ENUM_NAMES(EventAction, kEventActions)
TEARDOWN_ENUM_NAMES(RetryOn, kRetryOns)
TEARDOWN_ENUM_NAMES(Hop, kHops)
TEARDOWN_ENUM_NAMES(MiddleboxExpiry, kMiddleboxExpiries)
TEARDOWN_ENUM_NAMES(ProxySpread, kProxySpreads)
TEARDOWN_ENUM_NAMES(RandomSeed, kRandomSeeds)

#undef TEARDOWN_ENUM_NAMES

}  // namespace teardown
