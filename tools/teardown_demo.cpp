// teardown-demo: a few built-in connection stories run on the TCP core, each printed as a
// ladder of segments with what every application saw. It is what ./scripts/demo shows
// until the full models land.
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "tcp/tcp_stack.hpp"
#include "teardown/trace.hpp"

using namespace teardown;
using namespace teardown::time_literals;

namespace {

constexpr Role kClient = 0, kProxy = 1, kBackend = 2;
constexpr HostIndex kClientHost = 0, kProxyHost = 1, kBackendHost = 2;
constexpr std::uint16_t kScript = kFirstModelEventKind;

// A story: a connection and timed socket calls on it; reactions to notices are scripted too.
struct Story {
  std::string title;
  std::string left, right;
  HostIndex from, to;
  Role from_role, to_role;
  Time delay;
  std::vector<std::pair<Time, std::function<void(TcpStack&, EndpointId)>>> steps;  // demo only, not a hot path
  std::function<void(TcpStack&, const Notice&, EndpointId)> react;
  std::string moral;
};

void run_story(const Story& story, int index) {
  Simulator sim;
  TcpStack tcp(sim, TcpConfig{}, 3);
  std::vector<TraceRecord> trace;
  tcp.trace_into(&trace);
  const EndpointId ep = tcp.connect(story.from, story.to, story.delay, 0, story.from_role, story.to_role, 0);
  for (std::size_t i = 0; i < story.steps.size(); ++i) sim.schedule(story.steps[i].first, kScript, static_cast<std::uint32_t>(i));
  sim.run_until(2 * kMinute, [&](const Event& e) {
    if (e.kind() == kScript) {
      story.steps[e.target].second(tcp, ep);
      return;
    }
    const Notice n = tcp.handle(e);
    if (n.kind != Notice::None && story.react) story.react(tcp, n, ep);
  });
  std::printf("\n[%d] %s\n", index, story.title.c_str());
  std::printf("%s", format_ladder(trace, tcp.trace_id(ep), story.left, story.right).c_str());
  const TcpCounters& c = tcp.counters();
  std::printf("    => RST sent: %llu (seen by an application: %llu, absorbed by a kernel: %llu); TIME_WAIT entered: %llu\n",
              static_cast<unsigned long long>(c.rst_sent),
              static_cast<unsigned long long>(c.rst_by_fate[static_cast<int>(ResetFate::SeenByApp)]),
              static_cast<unsigned long long>(c.rst_by_fate[static_cast<int>(ResetFate::AbsorbedByKernel)]),
              static_cast<unsigned long long>(c.time_wait_entered));
  std::printf("    %s\n", story.moral.c_str());
}

}  // namespace

int main() {
  std::printf("teardown demo: what happens to a TCP connection when one side closes it\n");
  std::printf("(client <-> proxy one-way delay 250us, proxy <-> backend 100us)\n");

  std::vector<Story> stories;
  stories.push_back({"Stale reuse: the proxy's idle timeout closes a pooled connection while the client reuses it",
                     "client", "proxy", kClientHost, kProxyHost, kClient, kProxy, 250_us,
                     {{1_ms, [](TcpStack& t, EndpointId ep) { t.send(ep, 512); }},
                      {11_ms, [](TcpStack& t, EndpointId ep) { t.close(TcpStack::peer(ep)); }},  // idle timeout
                      {11100_us, [](TcpStack& t, EndpointId ep) { t.send(ep, 512); }},          // reuse, FIN in flight
                      {20_ms, [](TcpStack& t, EndpointId ep) { t.close(ep); }}},
                     [](TcpStack& t, const Notice& n, EndpointId ep) {
                       if (n.kind == Notice::Data && n.endpoint == TcpStack::peer(ep)) {
                         t.read(n.endpoint);
                         t.send(n.endpoint, 2048);
                       }
                       if (n.kind == Notice::Data && n.endpoint == ep) t.read(ep);
                     },
                     "The client's second request fails as end of stream (\"no response\"), not as a reset."});

  stories.push_back({"Server close, busy backend: the proxy hard-closes while the backend has not closed yet",
                     "proxy", "backend", kProxyHost, kBackendHost, kProxy, kBackend, 100_us,
                     {{1_ms, [](TcpStack& t, EndpointId ep) { t.send(ep, 512); }},
                      {4_ms, [](TcpStack& t, EndpointId ep) {
                         if (t.state(TcpStack::peer(ep)) != TcpState::Closed) t.close(TcpStack::peer(ep));
                         else t.close(TcpStack::peer(ep));
                       }}},
                     [](TcpStack& t, const Notice& n, EndpointId ep) {
                       if (n.kind == Notice::Data && n.endpoint == TcpStack::peer(ep)) {
                         t.read(n.endpoint);
                         t.send(n.endpoint, 2048);  // the backend closes 2.8 ms later (step at 4 ms)
                       }
                       if (n.kind == Notice::Data && n.endpoint == ep) {
                         t.read(ep);
                         t.abort(ep);  // hard close before the backend's FIN was read
                       }
                     },
                     "The RST lands while the backend still holds the socket: its application logs ECONNRESET."});

  stories.push_back({"Server close, idle backend: the backend closes right after writing, before the RST lands",
                     "proxy", "backend", kProxyHost, kBackendHost, kProxy, kBackend, 100_us,
                     {{1_ms, [](TcpStack& t, EndpointId ep) { t.send(ep, 512); }}},
                     [](TcpStack& t, const Notice& n, EndpointId ep) {
                       if (n.kind == Notice::Data && n.endpoint == TcpStack::peer(ep)) {
                         t.read(n.endpoint);
                         t.send(n.endpoint, 2048);
                         t.close(n.endpoint);  // close-after-write with no queued work
                       }
                       if (n.kind == Notice::Data && n.endpoint == ep) {
                         t.read(ep);
                         t.abort(ep);
                       }
                     },
                     "Same RST, but the backend had already closed: its kernel absorbs it and nothing is logged."});

  stories.push_back({"Close with unread data: the client gives up on a response that has already arrived",
                     "client", "proxy", kClientHost, kProxyHost, kClient, kProxy, 250_us,
                     {{1_ms, [](TcpStack& t, EndpointId ep) { t.send(ep, 512); }},
                      {2_ms, [](TcpStack& t, EndpointId ep) { t.close(ep); }}},
                     [](TcpStack& t, const Notice& n, EndpointId ep) {
                       if (n.kind == Notice::Data && n.endpoint == TcpStack::peer(ep)) {
                         t.read(n.endpoint);
                         t.send(n.endpoint, 2048);
                       }
                       if (n.kind == Notice::Reset) t.close(n.endpoint);
                     },
                     "Unread bytes turn close() into RST (RFC 2525 2.17): the proxy sees ECONNRESET."});

  stories.push_back({"Orderly close: the client closes first and keeps the TIME_WAIT",
                     "client", "proxy", kClientHost, kProxyHost, kClient, kProxy, 250_us,
                     {{1_ms, [](TcpStack& t, EndpointId ep) { t.close(ep); }}},
                     [](TcpStack& t, const Notice& n, EndpointId) {
                       if (n.kind == Notice::Eof) t.close(n.endpoint);
                     },
                     "FIN both ways, no RST; the side that closed first holds TIME_WAIT for 60 s."});

  for (std::size_t i = 0; i < stories.size(); ++i) run_story(stories[i], static_cast<int>(i + 1));
  return 0;
}
