// The recorder's time series (sim/metrics/recorder.cpp): requests land in the bin of their time.
#include <catch2/catch.hpp>

#include <vector>

#include "engine/engine.hpp"
#include "engine/random.hpp"
#include "metrics/recorder.hpp"
#include "tcp/tcp_stack.hpp"

using namespace teardown;

TEST_CASE("time series: each request is counted in the bin of its time, bins entered one by one or skipped",
          "[metrics]") {
  const int servers = 3;
  const Time warmup = 5'000'000'000, end = 65'000'000'000, bin = 7'000'000'000;  // the last bin is short
  metrics::Recorder rec(servers, warmup, end, bin);
  const int bins = static_cast<int>((end - warmup + bin - 1) / bin);
  std::vector<std::uint64_t> expected(static_cast<std::size_t>(bins * servers));
  RandomStream rng(1, 2, StreamPurpose::Test);
  // Either side of the warm-up's end and of a bin's end: a request at a bin's first
  // nanosecond is in that bin.
  for (const Time t : {warmup - 1, warmup, warmup + bin - 1, warmup + bin}) {
    rec.server_request(t, 1, 0);
    if (t >= warmup) ++expected[static_cast<std::size_t>((t - warmup) / bin * servers + 1)];
  }
  Time now = warmup + bin;
  while (now < end + 3 * bin) {  // past the end too: a run goes on after its last bin
    // Gaps from a nanosecond to whole bins, so bins are both entered in turn and skipped.
    now += rng.below(4) == 0 ? static_cast<Time>(rng.below(static_cast<std::uint64_t>(2 * bin))) : rng.exponential(50'000'000);
    const int server = static_cast<int>(rng.below(servers));
    rec.server_request(now, server, 0);
    if (now >= warmup && (now - warmup) / bin < bins) ++expected[static_cast<std::size_t>((now - warmup) / bin * servers + server)];
  }
  Simulator sim;
  TcpStack tcp(sim, TcpConfig{60'000'000'000, 60'000'000'000, 1}, 4);
  const std::vector<HostIndex> proxy{0};
  Result out;
  rec.finish(end, tcp, proxy, 4, out);
  REQUIRE(out.timeseries.bins == bins);
  CHECK(out.timeseries.requests == expected);
}

TEST_CASE("time series: a bin as long as the clock's range holds every request", "[metrics]") {
  const Time warmup = 1'000'000'000, end = 2'000'000'000, bin = kNever - warmup - 1;
  metrics::Recorder rec(1, warmup, end, bin);
  for (Time t = warmup; t < end; t += 100'000'000) rec.server_request(t, 0, 0);
  Simulator sim;
  TcpStack tcp(sim, TcpConfig{60'000'000'000, 60'000'000'000, 1}, 2);
  const std::vector<HostIndex> proxy{0};
  Result out;
  rec.finish(end, tcp, proxy, 2, out);
  REQUIRE(out.timeseries.bins == 1);
  CHECK(out.timeseries.requests == std::vector<std::uint64_t>{10});
}
