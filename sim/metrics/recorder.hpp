// Observations made during a run, turned into a Result at the end. The models call it at
// each observable moment; it counts only what happens after warm-up, except the whole-run
// invariant totals. It never knows which HAProxy option caused what.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "latency_histogram.hpp"
#include "tcp/tcp_stack.hpp"
#include "teardown/result.hpp"

namespace teardown::metrics {

// How a request failed, as the client application saw it.
enum class Failure : std::uint8_t {
  EofBeforeResponse,  // end of stream before any response byte ("no response")
  ResetOnRead,        // ECONNRESET while waiting for the response
  ResetOnWrite,       // ECONNRESET or EPIPE when sending the request
  Http5xx,            // the proxy answered 502, 503 or 504
  ConnectFailed,      // could not connect to the proxy
  TimedOut,           // ETIMEDOUT: the request was lost at a middlebox and the kernel gave up
};
inline constexpr std::size_t kFailureKinds = 6;

class Recorder {
 public:
  Recorder(int servers, Time warmup_end, Time end, Time bin, int proxy_instances = 1);

  bool measuring(Time now) const { return now >= warmup_end_; }

  void request_started(Time now);
  void request_completed(Time now, Time latency);
  void request_failed(Time now, Failure why);
  void request_retried(Time now);
  void client_connection_opened(Time now);
  // A request proxy instance `instance` forwarded to `server`.
  void server_request(Time now, int server, std::uint32_t instance);
  void server_connection_opened(Time now, int server);
  void server_connection_closed(Time now, int server, bool hard);
  void backend_reset(Time now, int server);

  // Called once when warm-up ends, with the stack's counters at that moment.
  void start_measuring(const TcpCounters& tcp);

  // Fills metrics, per_server, timeseries and invariants.
  // proxy_hosts: the host of each proxy instance.
  void finish(Time now, const TcpStack& tcp, std::span<const HostIndex> proxy_hosts, std::size_t hosts, Result& out);

 private:
  void accumulate_open(int server, Time now);
  // The time-series bin of `now` (>= warmup_end_), for times that never go back, as the
  // clock's: one division each time a bin is entered, not one per request.
  std::int64_t bin_of_now(Time now) {
    if (now >= bin_ends_at_) [[unlikely]] enter_bin(now);
    return current_bin_;
  }
  void enter_bin(Time now);

  int servers_;
  Time warmup_end_, end_, bin_;
  int bins_;
  std::int64_t current_bin_ = 0;
  Time bin_ends_at_;  // where current_bin_ ends; warmup_end_ until the first call
  // measured (after warm-up)
  std::uint64_t started_ = 0, completed_ = 0, failed_ = 0, retried_ = 0, client_conns_ = 0;
  std::uint64_t server_closed_hard_ = 0, server_closed_fin_ = 0;
  std::uint64_t failures_[kFailureKinds] = {};
  LatencyHistogram latency_;
  std::vector<std::uint64_t> srv_requests_, srv_conns_opened_, srv_resets_;
  std::vector<std::uint64_t> instance_requests_;  // per proxy instance
  std::vector<std::int64_t> srv_open_;
  std::vector<Time> srv_open_since_;
  std::vector<double> srv_open_integral_;  // connection-nanoseconds over the measured period
  std::vector<std::uint64_t> bin_requests_;
  std::vector<double> bin_open_integral_;
  TcpCounters tcp_at_warmup_{};
  // whole run
  std::uint64_t all_started_ = 0, all_completed_ = 0, all_failed_ = 0;
};

}  // namespace teardown::metrics
