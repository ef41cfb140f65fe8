#include "recorder.hpp"

#include <algorithm>
#include <cmath>

#include "skew.hpp"

namespace teardown::metrics {

Recorder::Recorder(int servers, Time warmup_end, Time end, Time bin, int proxy_instances)
    : servers_(servers),
      warmup_end_(warmup_end),
      end_(end),
      bin_(bin),
      bins_(static_cast<int>((end - warmup_end + bin - 1) / bin)),
      bin_ends_at_(warmup_end),
      srv_requests_(static_cast<std::size_t>(servers)),
      srv_conns_opened_(static_cast<std::size_t>(servers)),
      srv_resets_(static_cast<std::size_t>(servers)),
      instance_requests_(static_cast<std::size_t>(proxy_instances)),
      srv_open_(static_cast<std::size_t>(servers)),
      srv_open_since_(static_cast<std::size_t>(servers), 0),
      srv_open_integral_(static_cast<std::size_t>(servers)),
      bin_requests_(static_cast<std::size_t>(bins_) * static_cast<std::size_t>(servers)),
      bin_open_integral_(static_cast<std::size_t>(bins_) * static_cast<std::size_t>(servers)) {}

void Recorder::request_started(Time now) {
  ++all_started_;
  if (measuring(now)) ++started_;
}

void Recorder::request_completed(Time now, Time latency) {
  ++all_completed_;
  if (!measuring(now)) return;
  ++completed_;
  latency_.add(latency);
}

void Recorder::request_failed(Time now, Failure why) {
  ++all_failed_;
  if (!measuring(now)) return;
  ++failed_;
  ++failures_[static_cast<std::size_t>(why)];
}

void Recorder::request_retried(Time now) {
  if (measuring(now)) ++retried_;
}

void Recorder::client_connection_opened(Time now) {
  if (measuring(now)) ++client_conns_;
}

void Recorder::server_request(Time now, int server, std::uint32_t instance) {
  if (!measuring(now)) return;
  ++srv_requests_[static_cast<std::size_t>(server)];
  ++instance_requests_[instance];
  const auto b = static_cast<std::size_t>(bin_of_now(now));
  if (b < static_cast<std::size_t>(bins_)) ++bin_requests_[b * static_cast<std::size_t>(servers_) + static_cast<std::size_t>(server)];
}

void Recorder::enter_bin(Time now) {
  current_bin_ = (now - warmup_end_) / bin_;
  // The bin's end, or kNever where that would be past the clock's range.
  bin_ends_at_ = current_bin_ + 1 <= (kNever - warmup_end_) / bin_ ? warmup_end_ + (current_bin_ + 1) * bin_ : kNever;
}

void Recorder::server_connection_opened(Time now, int server) {
  accumulate_open(server, now);
  ++srv_open_[static_cast<std::size_t>(server)];
  if (measuring(now)) ++srv_conns_opened_[static_cast<std::size_t>(server)];
}

void Recorder::server_connection_closed(Time now, int server, bool hard) {
  accumulate_open(server, now);
  if (measuring(now)) ++(hard ? server_closed_hard_ : server_closed_fin_);
  --srv_open_[static_cast<std::size_t>(server)];
}

void Recorder::backend_reset(Time now, int server) {
  if (measuring(now)) ++srv_resets_[static_cast<std::size_t>(server)];
}

void Recorder::accumulate_open(int server, Time now) {
  const auto s = static_cast<std::size_t>(server);
  Time from = std::max(srv_open_since_[s], warmup_end_);
  const Time to = std::min(now, end_);
  srv_open_since_[s] = now;
  if (to <= from) return;
  const auto open = static_cast<double>(srv_open_[s]);
  srv_open_integral_[s] += open * static_cast<double>(to - from);
  // Split the span over the time-series bins it covers.
  while (from < to) {
    const Time b = (from - warmup_end_) / bin_;
    const Time bin_end = std::min(to, warmup_end_ + (b + 1) * bin_);
    if (b < bins_) bin_open_integral_[static_cast<std::size_t>(b) * static_cast<std::size_t>(servers_) + s] += open * static_cast<double>(bin_end - from);
    from = bin_end;
  }
}

void Recorder::start_measuring(const TcpCounters& tcp) { tcp_at_warmup_ = tcp; }

void Recorder::finish(Time now, const TcpStack& tcp, std::span<const HostIndex> proxy_hosts, std::size_t hosts,
                      Result& out) {
  namespace m = metric_names;
  // A run stopped during warm-up (a wall-time bound) measured nothing: RST counts start here.
  if (now < warmup_end_) start_measuring(tcp.counters());
  for (int s = 0; s < servers_; ++s) accumulate_open(s, now);
  const double seconds = to_seconds(std::max<Time>(1, std::min(now, end_) - warmup_end_));
  const TcpCounters& c = tcp.counters();
  auto delta = [&](std::uint64_t end_value, std::uint64_t start_value) { return static_cast<double>(end_value - start_value); };
  auto rst = [&](Role from, Role to) { return delta(c.rst_from_to[from][to], tcp_at_warmup_.rst_from_to[from][to]); };

  auto& mm = out.metrics;
  const auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  mm[m::kRequestsStarted] = d(started_);
  mm[m::kRequestsCompleted] = d(completed_);
  mm[m::kRequestsFailed] = d(failed_);
  mm[m::kRequestsRetried] = d(retried_);
  mm[m::kRequestsPerS] = d(started_) / seconds;
  mm[m::kClientEofBeforeResponse] = d(failures_[static_cast<int>(Failure::EofBeforeResponse)]);
  mm[m::kClientResetOnRead] = d(failures_[static_cast<int>(Failure::ResetOnRead)]);
  mm[m::kClientResetOnWrite] = d(failures_[static_cast<int>(Failure::ResetOnWrite)]);
  mm[m::kClientHttp5xx] = d(failures_[static_cast<int>(Failure::Http5xx)]);
  mm[m::kClientConnectFailed] = d(failures_[static_cast<int>(Failure::ConnectFailed)]);
  mm[m::kClientTimedOut] = d(failures_[static_cast<int>(Failure::TimedOut)]);
  mm[m::kClientFailuresPerS] = d(failed_) / seconds;
  mm[m::kClientFailureRatio] = started_ ? d(failed_) / d(started_) : 0.0;

  std::uint64_t backend_resets = 0;
  for (auto r : srv_resets_) backend_resets += r;
  mm[m::kBackendResets] = d(backend_resets);
  mm[m::kBackendResetsPerSPerServer] = d(backend_resets) / seconds / servers_;
  mm[m::kRstClientToProxy] = rst(0, 1);
  mm[m::kRstProxyToClient] = rst(1, 0);
  mm[m::kRstProxyToBackend] = rst(2, 3);
  mm[m::kRstBackendToProxy] = rst(3, 2);
  // Role 4 is the middlebox (models/ids.hpp); the proxy's two sides are one host.
  mm[m::kRstMiddleboxToClient] = rst(4, 0);
  mm[m::kRstMiddleboxToProxy] = rst(4, 1) + rst(4, 2);
  mm[m::kRstMiddleboxToBackend] = rst(4, 3);
  mm[m::kMiddleboxFlowsForgotten] = delta(c.flows_forgotten, tcp_at_warmup_.flows_forgotten);

  std::uint64_t server_conns = 0, server_requests = 0;
  for (auto v : srv_conns_opened_) server_conns += v;
  for (auto v : srv_requests_) server_requests += v;
  mm[m::kConnClientOpened] = d(client_conns_);
  mm[m::kConnClientPerRequest] = started_ ? d(client_conns_) / d(started_) : 0.0;
  mm[m::kConnServerOpened] = d(server_conns);
  mm[m::kConnServerPerRequest] = server_requests ? d(server_conns) / d(server_requests) : 0.0;
  mm[m::kConnServerClosedHard] = d(server_closed_hard_);
  mm[m::kConnServerClosedFin] = d(server_closed_fin_);

  std::uint32_t tw_peak = 0;
  for (std::size_t h = 0; h < hosts; ++h) tw_peak = std::max(tw_peak, tcp.time_wait_peak(static_cast<HostIndex>(h)));
  mm[m::kTimeWaitPeak] = tw_peak;
  // Per host, the figure that matters for its ports: the busiest proxy instance's.
  std::uint32_t tw_peak_proxy = 0;
  for (const HostIndex h : proxy_hosts) tw_peak_proxy = std::max(tw_peak_proxy, tcp.time_wait_peak(h));
  mm[m::kTimeWaitPeakProxy] = tw_peak_proxy;

  mm[m::kLatencyP50] = latency_.quantile(0.5) / 1e9;
  mm[m::kLatencyP99] = latency_.quantile(0.99) / 1e9;
  mm[m::kLatencyMean] = latency_.mean() / 1e9;

  std::vector<double> req(srv_requests_.begin(), srv_requests_.end());
  std::vector<double> open(static_cast<std::size_t>(servers_));
  for (int s = 0; s < servers_; ++s) open[static_cast<std::size_t>(s)] = srv_open_integral_[static_cast<std::size_t>(s)] / (seconds * 1e9);
  mm[m::kSkewRequestsMaxOverMean] = max_over_mean(req);
  mm[m::kSkewRequestsCov] = coefficient_of_variation(req);
  mm[m::kSkewConnectionsMaxOverMean] = max_over_mean(open);
  mm[m::kSkewConnectionsJain] = jain_index(open);
  mm[m::kSkewInstancesMaxOverMean] =
      max_over_mean(std::vector<double>(instance_requests_.begin(), instance_requests_.end()));

  out.per_server.clear();
  for (int s = 0; s < servers_; ++s) {
    const auto i = static_cast<std::size_t>(s);
    out.per_server.push_back(ServerRow{s, srv_requests_[i], srv_conns_opened_[i], open[i], srv_resets_[i],
                                       server_requests ? d(srv_requests_[i]) / d(server_requests) : 0.0});
  }

  out.timeseries.bin = bin_;
  out.timeseries.servers = servers_;
  out.timeseries.bins = bins_;
  out.timeseries.requests = bin_requests_;
  out.timeseries.open_connections.resize(bin_open_integral_.size());
  for (int b = 0; b < bins_; ++b) {
    const Time width = std::min(bin_, end_ - (warmup_end_ + b * bin_));
    for (int s = 0; s < servers_; ++s) {
      const std::size_t k = static_cast<std::size_t>(b) * static_cast<std::size_t>(servers_) + static_cast<std::size_t>(s);
      out.timeseries.open_connections[k] = width > 0 ? bin_open_integral_[k] / static_cast<double>(width) : 0.0;
    }
  }

  Invariants& inv = out.invariants;
  inv.requests_started = all_started_;
  inv.requests_completed = all_completed_;
  inv.requests_failed = all_failed_;
  inv.requests_in_flight = all_started_ - all_completed_ - all_failed_;
  inv.connections_opened = c.connections_opened;
  inv.connections_closed = c.connections_closed;
  inv.connections_open = tcp.open_connections();
  inv.rst_sent = c.rst_sent;
  inv.rst_arrived = 0;
  for (auto f : c.rst_by_fate) inv.rst_arrived += f;
  inv.rst_in_flight = c.rst_in_flight;
}

}  // namespace teardown::metrics
