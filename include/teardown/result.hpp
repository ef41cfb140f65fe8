// The outcome of one run: plain data, no behaviour. Every metric name is a stable dotted
// string defined in metric_names below and documented in docs/metrics.md; rates are per
// simulated second of the measured period (after warm-up).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "teardown/config.hpp"
#include "teardown/time.hpp"
#include "teardown/trace.hpp"

namespace teardown {

// One backend server, as measured after warm-up.
struct ServerRow {
  int server = 0;
  std::uint64_t requests = 0;             // requests the proxy sent to it
  std::uint64_t connections_opened = 0;   // server-side connections the proxy opened to it
  double mean_open_connections = 0;       // time-average of server-side connections open to it
  std::uint64_t resets_seen = 0;          // ECONNRESET seen by its application
  double request_share = 0;               // requests / all requests
};

// Per-bin, per-server series over the measured period; bin i covers
// [warmup + i*bin, warmup + (i+1)*bin).
struct TimeSeries {
  Time bin = 0;
  int servers = 0;
  int bins = 0;
  std::vector<std::uint64_t> requests;     // [bin * servers + server]
  std::vector<double> open_connections;    // time-average within the bin, [bin * servers + server]
};

// Whole-run totals (warm-up included) that must balance; tests check them on every run.
struct Invariants {
  std::uint64_t requests_started = 0;
  std::uint64_t requests_completed = 0;
  std::uint64_t requests_failed = 0;
  std::uint64_t requests_in_flight = 0;  // started, not yet completed or failed, at the end
  std::uint64_t connections_opened = 0;  // every TCP connection of the run
  std::uint64_t connections_closed = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t rst_sent = 0;
  std::uint64_t rst_arrived = 0;         // seen by an application, absorbed by a kernel, or dropped
  std::uint64_t rst_in_flight = 0;
};

// A traced connection: its trace id and the names of its two ends.
struct TracedConnection {
  std::uint32_t connection = 0;  // TraceRecord::connection
  std::string left, right;       // the connecting and the accepting side, e.g. "client-3", "proxy"
};

struct Result {
  Scenario scenario;                       // the validated, fully defaulted scenario
  // Settings of the scenario that the run ignored, as HAProxy does (config_warnings).
  std::vector<ConfigIssue> warnings;
  std::map<std::string, double> metrics;   // name -> value
  std::vector<ServerRow> per_server;
  TimeSeries timeseries;
  Invariants invariants;
  std::uint64_t events = 0;                // engine events handled
  double wall_seconds = 0;
  std::vector<TraceRecord> trace;          // only when tracing was asked for
  std::vector<TracedConnection> traced;
  // A run stopped by RunOptions::wall_time_limit_s is partial: every event up to time_reached
  // (simulated time from the start, warm-up included) was handled, and the metrics cover the
  // measured time up to it. A complete run has time_reached = sim.warmup + sim.duration.
  bool partial = false;
  Time time_reached = 0;
};

// The metric names, in one place.
namespace metric_names {
inline constexpr const char* kRequestsStarted = "requests.started";
inline constexpr const char* kRequestsCompleted = "requests.completed";
inline constexpr const char* kRequestsFailed = "requests.failed";
inline constexpr const char* kRequestsRetried = "requests.retried";
inline constexpr const char* kRequestsPerS = "requests.per_s";
inline constexpr const char* kClientResetOnRead = "client.reset_on_read";
inline constexpr const char* kClientResetOnWrite = "client.reset_on_write";
inline constexpr const char* kClientEofBeforeResponse = "client.eof_before_response";
inline constexpr const char* kClientHttp5xx = "client.http_5xx";
inline constexpr const char* kClientConnectFailed = "client.connect_failed";
inline constexpr const char* kClientTimedOut = "client.timed_out";
inline constexpr const char* kClientFailuresPerS = "client.failures_per_s";
inline constexpr const char* kClientFailureRatio = "client.failure_ratio";
inline constexpr const char* kBackendResets = "backend.resets";
inline constexpr const char* kBackendResetsPerSPerServer = "backend.resets_per_s_per_server";
inline constexpr const char* kRstClientToProxy = "rst.client_to_proxy";
inline constexpr const char* kRstProxyToClient = "rst.proxy_to_client";
inline constexpr const char* kRstProxyToBackend = "rst.proxy_to_backend";
inline constexpr const char* kRstBackendToProxy = "rst.backend_to_proxy";
inline constexpr const char* kRstMiddleboxToClient = "rst.middlebox_to_client";
inline constexpr const char* kRstMiddleboxToProxy = "rst.middlebox_to_proxy";
inline constexpr const char* kRstMiddleboxToBackend = "rst.middlebox_to_backend";
inline constexpr const char* kMiddleboxFlowsForgotten = "middlebox.flows_forgotten";
inline constexpr const char* kConnClientOpened = "connections.client_side.opened";
inline constexpr const char* kConnClientPerRequest = "connections.client_side.per_request";
inline constexpr const char* kConnServerOpened = "connections.server_side.opened";
inline constexpr const char* kConnServerPerRequest = "connections.server_side.per_request";
inline constexpr const char* kConnServerClosedHard = "connections.server_side.closed_hard";
inline constexpr const char* kConnServerClosedFin = "connections.server_side.closed_fin";
inline constexpr const char* kTimeWaitPeak = "time_wait.peak";
inline constexpr const char* kTimeWaitPeakProxy = "time_wait.peak_proxy";
inline constexpr const char* kLatencyP50 = "latency.p50";
inline constexpr const char* kLatencyP99 = "latency.p99";
inline constexpr const char* kLatencyMean = "latency.mean";
inline constexpr const char* kSkewRequestsMaxOverMean = "skew.requests.max_over_mean";
inline constexpr const char* kSkewRequestsCov = "skew.requests.cov";
inline constexpr const char* kSkewConnectionsMaxOverMean = "skew.connections.max_over_mean";
inline constexpr const char* kSkewConnectionsJain = "skew.connections.jain";
inline constexpr const char* kSkewInstancesMaxOverMean = "skew.instances.max_over_mean";
}  // namespace metric_names

}  // namespace teardown
