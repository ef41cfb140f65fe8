// A scenario: everything one run needs to know, as plain aggregates, one per TOML table.
// docs/scenario.md lists every key with its default and unit (generated from the schema in
// sim/config/scenario_schema.hpp); TOML files, Python dicts and these structs use the same names. This is data only: checking happens once, in load_toml,
// parse_toml or validate(); inside the model a Scenario is trusted. Building the model is not here.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "teardown/time.hpp"

namespace teardown {

// ---- Enumerated values. Each has to_string() and from_string<E>() using the TOML spelling. ----

// HAProxy release whose defaults and close behaviour are modelled.
enum class ProxyVersion { V1_4, V1_5, V1_8, V2_0, V2_6 };

// HTTP connection mode ("option http-keep-alive" etc.); Preset = the version's default mode.
enum class ProxyMode { Preset, HttpKeepAlive, HttpServerClose, HttpClose, HttpPretendKeepAlive, HttpTunnel, Tcp };

// Load-balancing algorithm ("balance").
enum class Balance { RoundRobin, StaticRr, LeastConn, First, Source, Random };

// Server-connection sharing ("http-reuse"); Preset = the version's default.
enum class HttpReuse { Preset, Never, Safe, Aggressive, Always };

// How the proxy closes one kind of connection; Preset = as the version does it.
// LingerRisk: RST unless the peer's FIN was already read (1.5+ behaviour).
enum class CloseHow { Preset, Fin, Rst, LingerRisk };

// How client requests arrive.
enum class ArrivalKind { Poisson, OnOff, Closed };

// Which idle pooled connection a client takes next.
enum class PoolReuse { Lifo, Fifo };

// What a backend does with a connection after a response.
enum class KeepAliveKind { Forever, CloseAfterResponse, IdleTimeout };

// Distribution of backend service time.
enum class ServiceDist { Constant, Exponential, Lognormal };

// What happens to a backend server at a scheduled time.
enum class EventAction { Restart, Down, Up };

// A condition on which the proxy retries a request ("retry-on").
enum class RetryOn { ConnFailure, EmptyResponse, ResponseTimeout };

// The link between two tiers a middlebox sits on.
enum class Hop { ClientProxy, ProxyBackend };

// What a segment of a flow the middlebox has forgotten meets: it vanishes, or the middlebox
// answers it with RST to its sender, or to both ends.
enum class MiddleboxExpiry { Drop, RstSender, RstBoth };

// How clients are spread over several proxy instances: each client host resolves the name
// once and keeps its answer (DNS round robin), or an L4 balancer in front of the instances
// gives each new connection to the next instance in turn.
enum class ProxySpread { Dns, L4 };

// Where "balance random" starts its generator: HAProxy 2.4 up to the early-2024 releases start
// it at the same state in every process (Fixed: the same picks after every start); older and
// newer releases seed it at start (PerStart). Preset = as the version does.
enum class RandomSeed { Preset, Fixed, PerStart };

// proxy.instances' upper bound: the engine carries the instance in the top 4 bits of an
// event's target.
inline constexpr int kMaxProxyInstances = 16;

std::string_view to_string(ProxyVersion v);
std::string_view to_string(ProxyMode v);
std::string_view to_string(Balance v);
std::string_view to_string(HttpReuse v);
std::string_view to_string(CloseHow v);
std::string_view to_string(ArrivalKind v);
std::string_view to_string(PoolReuse v);
std::string_view to_string(KeepAliveKind v);
std::string_view to_string(ServiceDist v);
std::string_view to_string(EventAction v);
std::string_view to_string(RetryOn v);
std::string_view to_string(Hop v);
std::string_view to_string(MiddleboxExpiry v);
std::string_view to_string(ProxySpread v);
std::string_view to_string(RandomSeed v);

// The value spelled `name` ("http-keep-alive" -> ProxyMode::HttpKeepAlive), or nullopt.
template <typename E>
std::optional<E> from_string(std::string_view name);
template <> std::optional<ProxyVersion> from_string<ProxyVersion>(std::string_view name);
template <> std::optional<ProxyMode> from_string<ProxyMode>(std::string_view name);
template <> std::optional<Balance> from_string<Balance>(std::string_view name);
template <> std::optional<HttpReuse> from_string<HttpReuse>(std::string_view name);
template <> std::optional<CloseHow> from_string<CloseHow>(std::string_view name);
template <> std::optional<ArrivalKind> from_string<ArrivalKind>(std::string_view name);
template <> std::optional<PoolReuse> from_string<PoolReuse>(std::string_view name);
template <> std::optional<KeepAliveKind> from_string<KeepAliveKind>(std::string_view name);
template <> std::optional<ServiceDist> from_string<ServiceDist>(std::string_view name);
template <> std::optional<EventAction> from_string<EventAction>(std::string_view name);
template <> std::optional<RetryOn> from_string<RetryOn>(std::string_view name);
template <> std::optional<Hop> from_string<Hop>(std::string_view name);
template <> std::optional<MiddleboxExpiry> from_string<MiddleboxExpiry>(std::string_view name);
template <> std::optional<ProxySpread> from_string<ProxySpread>(std::string_view name);
template <> std::optional<RandomSeed> from_string<RandomSeed>(std::string_view name);

// A set of retry conditions. A set, not a list: HAProxy ignores order and repeats.
class RetryOnSet {
 public:
  constexpr RetryOnSet() = default;
  constexpr RetryOnSet(std::initializer_list<RetryOn> conditions) {
    for (RetryOn c : conditions) insert(c);
  }
  constexpr bool contains(RetryOn c) const { return (bits_ & bit(c)) != 0; }
  constexpr void insert(RetryOn c) { bits_ = static_cast<std::uint8_t>(bits_ | bit(c)); }
  constexpr void erase(RetryOn c) { bits_ = static_cast<std::uint8_t>(bits_ & ~bit(c)); }
  constexpr bool empty() const { return bits_ == 0; }
  friend constexpr bool operator==(const RetryOnSet&, const RetryOnSet&) = default;

 private:
  static constexpr std::uint8_t bit(RetryOn c) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(c)); }
  std::uint8_t bits_ = 0;
};

// A backend's keep-alive policy: "forever", "close-after-response" or an idle timeout.
struct KeepAlivePolicy {
  KeepAliveKind kind = KeepAliveKind::Forever;  // which policy; default forever
  Time idle_timeout = kNever;  // close after this long idle; only read when kind == IdleTimeout

  // idle_timeout is compared only where it means something, so text round trips are exact.
  friend bool operator==(const KeepAlivePolicy& a, const KeepAlivePolicy& b) {
    return a.kind == b.kind && (a.kind != KeepAliveKind::IdleTimeout || a.idle_timeout == b.idle_timeout);
  }
};

// ---- One struct per TOML table. ----

// [sim]
struct SimConfig {
  Time duration = 10 * kMinute;      // simulated time that is measured, after warm-up; default 10m
  Time warmup = 1 * kMinute;         // simulated time run first, ignored by metrics; default 1m
  std::uint64_t seed = 1;            // seed of every random stream of the run; default 1
  Time timeseries_bin = 10 * kSecond;  // width of one time-series bin; default 10s
  Time time_wait = 60 * kSecond;     // how long a closed connection stays in TIME_WAIT; default 60s
  // Fields added later stay at the end, so that positional initialisers keep their meaning.
  Time fin_timeout = 60 * kSecond;   // life of an orphaned FIN_WAIT_2 (tcp_fin_timeout); default 60s
  friend bool operator==(const SimConfig&, const SimConfig&) = default;
};

// [[network.zones]]: backends in a zone of their own, farther from the proxy (another
// availability zone or region).
struct NetworkZone {
  std::vector<int> servers;                      // indices of the zone's backend servers; required
  Time proxy_backend_delay = 100 * kMicrosecond;  // one-way delay proxy <-> these backends; default 100us
  Time jitter = 0;                               // extra delay on those links, as network.jitter; default 0us
  friend bool operator==(const NetworkZone&, const NetworkZone&) = default;
};

// One [[network.middlebox]] element: a NAT gateway, load balancer or conntrack table on a hop
// that forgets a flow idle longer than idle_timeout. `idle_timeout` is required in TOML.
struct Middlebox {
  Hop hop = Hop::ClientProxy;                         // the link it sits on; default "client-proxy"
  Time idle_timeout = 350 * kSecond;                  // forgets a flow idle this long; required in TOML
  MiddleboxExpiry on_expired = MiddleboxExpiry::Drop;  // what a later segment meets; default "drop"
  friend bool operator==(const Middlebox&, const Middlebox&) = default;
};

// [network]
struct NetworkConfig {
  Time client_proxy_delay = 250 * kMicrosecond;  // one-way delay client <-> proxy; default 250us
  Time proxy_backend_delay = 100 * kMicrosecond;  // one-way delay proxy <-> backend; default 100us
  Time jitter = 0;  // extra delay, uniform in [0, jitter], order kept per connection; default 0us
  std::vector<NetworkZone> zones;  // [[network.zones]]: servers with their own delay; default none
  std::vector<Middlebox> middlebox;  // [[network.middlebox]], at most one per hop; default none
  friend bool operator==(const NetworkConfig&, const NetworkConfig&) = default;
};

// [clients.arrival]: requests of all clients together.
struct ArrivalConfig {
  ArrivalKind kind = ArrivalKind::Poisson;  // arrival process; default "poisson"
  double rate = 1000.0;                     // requests per second (poisson; onoff while on); default 1000.0
  Time on = 5 * kSecond;                    // onoff: mean burst length (exponential); default 5s
  Time off = 55 * kSecond;                  // onoff: mean idle gap (exponential); default 55s
  Time think_time = 1 * kSecond;            // closed: mean think time between requests of a client; default 1s
  int concurrency = 1;                      // closed: outstanding requests per client; default 1
  Time until = kNever;                      // no request starts later (simulated time, warm-up included); default off
  friend bool operator==(const ArrivalConfig&, const ArrivalConfig&) = default;
};

// [clients.pool]: each client's connection pool.
struct PoolConfig {
  int max_size = 10;                    // connections per client; default 10
  PoolReuse reuse = PoolReuse::Lifo;    // which idle connection is leased next; default "lifo"
  Time idle_evict = kNever;             // monitor closes pooled connections idle longer; default off
  Time evict_interval = 5 * kSecond;    // how often the idle monitor runs; default 5s
  Time validate_after_inactivity = kNever;  // stale check before reusing one idle longer; default off
  Time max_lifetime = kNever;           // close a connection older than this when returned; default off
  // Fields added later stay at the end, so that positional initialisers keep their meaning.
  // Idle expiry at each connection's own deadline (a timer per connection: OkHttp's cleanup,
  // Go's IdleConnTimeout) instead of a monitor every evict_interval; default false
  bool evict_at_deadline = false;
  // Honours a server's "Keep-Alive: timeout=N": a connection idle that long is not reused;
  // default false
  bool keep_alive_header = false;
  Time keep_alive_header_margin = 0;    // subtracted from an honoured Keep-Alive timeout (Node: 1 s); default 0s
  int max_idle = 0;                     // idle connections kept; one more returned closes the longest idle; 0 = no limit; default 0
  friend bool operator==(const PoolConfig&, const PoolConfig&) = default;
};

// [clients.long_lived]: long-lived, high-throughput connections held open by clients.
struct LongLivedConfig {
  int count = 0;        // number of such connections; default 0
  double rate = 100.0;  // requests per second on each; default 100.0
  friend bool operator==(const LongLivedConfig&, const LongLivedConfig&) = default;
};

// [clients]
struct ClientsConfig {
  int count = 20;                     // client hosts, each with its own pool; default 20
  int retries = 0;                    // retries of a request that failed on a reused connection; default 0
  std::int64_t request_size = 512;    // request bytes; default 512
  std::int64_t response_size = 2048;  // response bytes; default 2048
  Time reaction_time = 50 * kMicrosecond;  // from reading a response that ends the connection to close(); default 50us
  ArrivalConfig arrival;              // [clients.arrival]
  PoolConfig pool;                    // [clients.pool]
  LongLivedConfig long_lived;         // [clients.long_lived]
  std::string preset;                 // client library whose defaults are applied first (presets.hpp); default none
  friend bool operator==(const ClientsConfig&, const ClientsConfig&) = default;
};

// [proxy.timeout]; kNever ("off") = not set, falling back as HAProxy does.
struct ProxyTimeouts {
  Time client = 60 * kSecond;      // client side inactivity; default 60s
  Time server = 60 * kSecond;      // server side inactivity; default 60s
  Time connect = 5 * kSecond;      // TCP connect to a server; default 5s
  Time http_request = kNever;      // complete request headers; default off
  Time http_keep_alive = kNever;   // next request on a kept-alive client connection; default off
  Time tunnel = kNever;            // both directions idle in a tunnel; default off
  Time client_fin = kNever;        // client side inactivity once one direction is shut; default off
  Time server_fin = kNever;        // server side inactivity once one direction is shut; default off
  Time queue = kNever;             // waiting in a queue for a connection slot; default off
  friend bool operator==(const ProxyTimeouts&, const ProxyTimeouts&) = default;
};

// [proxy.close]: overrides of the version preset for each kind of close.
struct ProxyCloseOverrides {
  CloseHow client_idle = CloseHow::Preset;    // an idle client connection on timeout; default preset
  CloseHow server_end = CloseHow::Preset;     // server side after a response (server-close, httpclose); default preset
  CloseHow server_switch = CloseHow::Preset;  // server side to rebalance (1.5-1.8 keep-alive); default preset
  CloseHow server_purge = CloseHow::Preset;   // an idle pooled server connection (2.x purge); default preset
  friend bool operator==(const ProxyCloseOverrides&, const ProxyCloseOverrides&) = default;
};

// [proxy]
struct ProxyConfig {
  ProxyVersion version = ProxyVersion::V2_6;       // defaults and close behaviour of this release; default "2.6"
  ProxyMode mode = ProxyMode::HttpKeepAlive;       // HTTP connection mode; default "http-keep-alive"
  Balance balance = Balance::RoundRobin;           // load-balancing algorithm; default "roundrobin"
  int random_draws = 2;                            // balance random: power of two choices; default 2
  bool prefer_last_server = false;                 // "option prefer-last-server"; default false
  bool pretend_keepalive = false;                  // "option http-pretend-keepalive" with a close mode; default false
  HttpReuse http_reuse = HttpReuse::Preset;        // server-connection sharing; default "preset"
  Time pool_purge_delay = 5 * kSecond;             // 2.x idle server-connection pool purge period; default 5s
  bool nolinger = false;                           // "option nolinger": close with RST; default false
  bool abortonclose = false;                       // "option abortonclose"; default false
  bool redispatch = false;                         // "option redispatch"; default false
  int retries = 3;                                 // connection retries to a server; default 3
  RetryOnSet retry_on{RetryOn::ConnFailure};       // what is retried; default ["conn-failure"]
  int maxconn = 2000;                              // frontend connection limit; default 2000
  Time processing_time = 20 * kMicrosecond;        // from reading a response to acting on it; default 20us
  ProxyTimeouts timeout;                           // [proxy.timeout]
  ProxyCloseOverrides close;                       // [proxy.close]
  // Fields added later stay at the end, so that positional initialisers keep their meaning.
  int instances = 1;                               // proxy instances in front of the same backends; default 1
  ProxySpread spread = ProxySpread::Dns;           // how clients reach the instances; default "dns"
  RandomSeed random_seed = RandomSeed::Preset;     // balance random's generator at start; default "preset"
  friend bool operator==(const ProxyConfig&, const ProxyConfig&) = default;
};

// The mode the proxy runs in: `mode`, or the version's default when it is Preset
// (teardown/proxy_rules.hpp holds the defaults of each release).
ProxyMode effective_mode(const ProxyConfig& proxy);

// The http-reuse in force: `http_reuse`, or the version's default when it is Preset.
HttpReuse effective_http_reuse(const ProxyConfig& proxy);

// [backends.service_time]
struct ServiceTimeConfig {
  ServiceDist dist = ServiceDist::Exponential;  // distribution; default "exponential"
  Time mean = 2 * kMillisecond;                 // mean service time; default 2ms
  double sigma = 1.0;                           // lognormal only: sigma of the underlying normal; default 1.0
  friend bool operator==(const ServiceTimeConfig&, const ServiceTimeConfig&) = default;
};

// [backends.health_check]
struct HealthCheckConfig {
  Time interval = 2 * kSecond;  // time between checks; default 2s
  int rise = 2;                 // consecutive successes to mark a server up; default 2
  int fall = 3;                 // consecutive failures to mark a server down; default 3
  friend bool operator==(const HealthCheckConfig&, const HealthCheckConfig&) = default;
};

// One [[backends.events]] element. `at` is required in TOML; the rest default as shown.
struct BackendEvent {
  Time at = 0;                                  // simulated time from the start of warm-up; required in TOML
  int server = 0;                               // index of the server, 0-based; default 0
  EventAction action = EventAction::Restart;    // what happens; default "restart"
  Time downtime = 30 * kSecond;                 // restart only: time until it is back; default 30s
  friend bool operator==(const BackendEvent&, const BackendEvent&) = default;
};

// [backends]
struct BackendsConfig {
  int servers = 3;                   // number of backend servers; default 3
  std::vector<int> weights;          // one per server, 1..256; empty = all 1; default []
  int maxconn = 0;                   // per server as seen by the proxy; 0 = unlimited; default 0
  int workers = 8;                   // worker threads (event loops) per server; default 8
  KeepAlivePolicy keep_alive;        // after a response; default "forever"
  Time close_delay = 50 * kMicrosecond;  // close-after-response: response written to close(); default 50us
  // close-after-response: an extra delay before close(), exponential with this mean (the gap
  // between the write and the close system calls; the FIN then leaves as its own segment);
  // default 0s
  Time close_jitter = 0;
  // The close waits for the work queued on the connection's worker loop: a write made from
  // another thread than the channel's event loop (Netty 3's ExecutionHandler, an executor);
  // a Netty 4 write on the channel's own loop closes in the same task; default false
  bool close_waits_for_loop = false;
  Time slowstart = kNever;           // ramp of weight and maxconn after a server comes back; default off
  ServiceTimeConfig service_time;    // [backends.service_time]
  HealthCheckConfig health_check;    // [backends.health_check]
  std::vector<BackendEvent> events;  // [[backends.events]], in file order; default none
  // Fields added later stay at the end, so that positional initialisers keep their meaning.
  int max_requests = 0;              // responses per connection, the last says "Connection: close"; 0 = unlimited; default 0
  bool keep_alive_header = false;    // responses carry "Keep-Alive: timeout=<idle timeout>"; default false
  std::string preset;                // server whose defaults are applied first (presets.hpp); default none
  // The timeout "Keep-Alive: timeout=N" announces when it is not the idle timeout the server
  // arms (Node announces keepAliveTimeout, 5 s, and closes 1 s later); default off
  Time keep_alive_header_timeout = kNever;
  friend bool operator==(const BackendsConfig&, const BackendsConfig&) = default;
};

// The whole scenario. A default-constructed Scenario is the documented default scenario.
struct Scenario {
  SimConfig sim;            // [sim]
  NetworkConfig network;    // [network]
  ClientsConfig clients;    // [clients]
  ProxyConfig proxy;        // [proxy]
  BackendsConfig backends;  // [backends]
  friend bool operator==(const Scenario&, const Scenario&) = default;
};

// ---- Reading, writing and checking. ----

// One problem with a scenario.
struct ConfigIssue {
  std::string path;     // key path, "proxy.timeout.client" or "backends.events[1].server"
  std::string message;  // why, e.g. "expected a duration, got 'ten' (...)"
  std::string where;    // "file:line:col" when the value came from TOML text, else empty
  friend bool operator==(const ConfigIssue&, const ConfigIssue&) = default;
};

// Every problem found in a scenario; what() has one "path: message" line per issue.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigIssue> issues);
  std::vector<ConfigIssue> issues;
};

// Reads and checks a TOML scenario file. Throws ConfigError listing every problem, including
// an unreadable file or a TOML syntax error (with file:line:col).
Scenario load_toml(const std::string& path);

// As load_toml, from text; `source_name` stands for the file name in messages.
Scenario parse_toml(std::string_view text, std::string_view source_name = "<string>");

// The scenario as TOML text with every key written out; parse_toml(to_toml(s)) == s for a valid s.
std::string to_toml(const Scenario& scenario);

// Cross-field and range checks; empty when the scenario can run. Also for Scenarios built in C++.
std::vector<ConfigIssue> validate(const Scenario& scenario);

// Settings the scenario holds and the run ignores, as HAProxy accepts them and ignores them (with
// a warning or silently): HTTP settings with proxy.mode = "tcp". Not errors: the scenario runs,
// and run() copies them into Result::warnings. Empty for most scenarios; `where` is empty.
std::vector<ConfigIssue> config_warnings(const Scenario& scenario);

// The value of a TOML text that holds the 1-based `line` and `column` (in characters) where a
// TOML parser stopped, so that an error about a value the parser rejected (1e400, a bad date)
// names its key: the key path as issues spell it ("clients.count", "backends.events[1].at",
// "backends.weights[2]", 'grid."proxy.mode"') and where the value starts. nullopt when the
// place is in no value (a table header, a key, a comment). Reads only up to the place, and any
// text, valid or not.
struct TomlValuePlace {
  std::string path;
  int line = 0;
  int column = 0;
};
std::optional<TomlValuePlace> toml_value_at(std::string_view text, int line, int column);

}  // namespace teardown
