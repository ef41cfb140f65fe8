// Closed-form and small-chain estimates of what the simulator measures, for cross-checks
// and for drawing theory beside simulation. Each function states its assumptions; the
// derivations are in docs/model.md section 5 (after docs/sources.md §13).
#pragma once

#include <vector>

#include "teardown/time.hpp"

namespace teardown::analytic {

// One pooled connection reused after Poisson idle gaps (pool of one, LIFO top of stack).
struct StaleReuseInputs {
  double reuse_rate = 1.0;            // lambda: requests per second on the connection
  Time proxy_timeout = kSecond;       // T: the proxy's client-side idle timeout, from the response
  Time one_way_delay = 250 * kMicrosecond;  // d: client <-> proxy
  Time processing_time = 20 * kMicrosecond; // p: how long a request sits unread at the proxy
  Time idle_evict = kNever;           // E: the client's idle monitor threshold (off: kNever)
  Time evict_interval = 5 * kSecond;  // I: how often the monitor runs (uniform phase)
  Time validate_after_inactivity = kNever;  // V: the stale check threshold (off: kNever)
  // L: the mean time from a request to its response. A request that arrives before the
  // previous response is sent when it comes back, so gaps from the response are Exp(lambda)
  // only with probability e^(-lambda L); the others are 0.
  Time response_time = 0;
};

// The p_ figures are per request that follows a success, i.e. that found the connection in
// the pool when it was last returned (whether or not it is still there), not per reuse.
struct StaleReuseEstimate {
  double p_race = 0;     // the request crosses the proxy's close (no check can catch it)
  double p_closed = 0;   // the FIN has already arrived (a stale check catches it)
  double p_fail = 0;     // what fails given the evictor and the stale check
  double p_evicted = 0;  // the monitor closed the connection before the request: it opens a new one
  double p_checked = 0;  // the stale check found the FIN and closed it: the request opens a new one
  // Per request, pool of one. Only a failure leaves the next request without a pooled
  // connection; that request opens a fresh one, which cannot fail. An evicted or checked
  // connection is replaced by the request that found it gone. So per 1 + p_fail requests:
  double failure_ratio = 0;                // p_fail / (1 + p_fail)
  double new_connections_per_request = 0;  // (p_fail + p_evicted + p_checked) / (1 + p_fail)
};

// A reuse after idle gap g (measured at the client from the response) fails when its request
// reaches the proxy after the close began, g >= T - 2d - p; the FIN is at the client from
// g = T on. With G ~ Exp(lambda), and the monitor closing the connection at age E + U*I.
// No client retries.
StaleReuseEstimate stale_reuse(const StaleReuseInputs& in);

// New server-side connections per request under keep-alive with private server connections
// (1.5-1.8, or http-reuse never), many interleaved sessions, a balancer that picks server i
// with probability weights[i] / sum: a switch happens with probability 1 - sum p_i^2, and
// every new client connection opens one too. prefer-last-server removes the switches.
double server_connections_per_request(const std::vector<double>& weights, bool prefer_last_server,
                                      double client_connections_per_request);

// The share of K pinned (per-connection balanced) connections held by a server that came
// back empty t seconds ago (t from when the proxy marks it up), among n equal servers. K is
// the mean number of connections open and c the rate at which they are opened (= closed) in
// steady state, so a connection lives K/c on average (Little's law). Each lifetime is
// `min_lifetime` d plus an exponential time of mean K/c - d: a pool's idle monitor closes a
// connection only after it has been idle for its threshold E (plus I/2 on average, I being
// the monitor's period), and the number of uses before the gap that ends it is geometric
// (docs/model.md section 5; d = 0 gives purely exponential lifetimes). A closed connection
// is replaced at once, by a new one balanced afresh. Then the fraction of the connections
// open at any time that are younger than t is
//   A(t) = (c/K) * (min(t, d) + m (1 - exp(-(t - d)/m)) [t > d]),  m = K/c - d,
// roundrobin gives the returning server 1/n of the new connections: A(t) / n;
// leastconn gives it all of them until it holds its share: min(1/n, A(t)) (the fluid limit;
// near the catch-up time the mean share is lower by O(sqrt(K/n)/K)).
// Throws std::domain_error unless K > 0, c > 0, n > 0 and 0 <= d <= K/c.
double restarted_share_roundrobin(double t_seconds, int servers, double connections, double closures_per_second,
                                  double min_lifetime = 0);
double restarted_share_leastconn(double t_seconds, int servers, double connections, double closures_per_second,
                                 double min_lifetime = 0);

// HAProxy 2.x's purge applied to a server whose only connection went idle right after being
// used: how many purge periods until the purge closes it (SRC v2.6.0 srv_cleanup_idle_conns;
// LAB-4 measured 3 periods, 15 s). Iterates the exact integer recurrence.
int purge_periods_until_close(int est_need_at_start = 0);

// The stationary distribution of a finite Markov chain with row-stochastic matrix P (Eigen).
std::vector<double> stationary_distribution(const std::vector<std::vector<double>>& P);

}  // namespace teardown::analytic
