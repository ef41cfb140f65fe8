#include "net/topology.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

using namespace teardown;
using namespace teardown::time_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

// a --1ms-- b --1ms-- d   and   a --500us-- c --2ms-- d : the top route is shorter.
Topology diamond() {
  Topology t;
  t.add_host("a", HostKind::Client);
  t.add_host("b", HostKind::Other);
  t.add_host("c", HostKind::Other);
  t.add_host("d", HostKind::Backend);
  t.add_link("a", "b", 1_ms, 10_us);
  t.add_link("b", "d", 1_ms, 20_us);
  t.add_link("a", "c", 500_us, 1_us);
  t.add_link("c", "d", 2_ms, 1_us);
  return t;
}

std::string error_of(const auto& call) {
  try {
    call();
  } catch (const TopologyError& e) {
    return e.what();
  }
  return "(no TopologyError)";
}

}  // namespace

TEST_CASE("hosts get consecutive ids and keep their names and kinds", "[topology]") {
  Topology t;
  CHECK(t.host_count() == 0);
  CHECK(t.add_host("client-0", HostKind::Client) == 0);
  CHECK(t.add_host("proxy", HostKind::Proxy) == 1);
  CHECK(t.host_count() == 2);
  CHECK(t.name(1) == "proxy");
  CHECK(t.kind(0) == HostKind::Client);
  CHECK(t.find("proxy") == HostId{1});
  CHECK_FALSE(t.find("backend-0").has_value());
  CHECK(to_string(HostKind::Backend) == "backend");
}

TEST_CASE("a segment along a chain takes the sum of the link delays", "[topology]") {
  Topology t;
  const HostId c = t.add_host("client", HostKind::Client);
  const HostId p = t.add_host("proxy", HostKind::Proxy);
  const HostId b = t.add_host("backend", HostKind::Backend);
  t.add_link(c, p, 250_us);
  t.add_link(p, b, 1_ms);
  CHECK(t.path(c, p) == Topology::Path{250_us, 0});
  CHECK(t.path(p, b) == Topology::Path{1_ms, 0});
  CHECK(t.path(c, b) == Topology::Path{1250_us, 0});
  CHECK(t.path(c, c) == Topology::Path{0, 0});
}

TEST_CASE("the shortest-delay route wins in a diamond, with that route's jitter summed", "[topology]") {
  const Topology t = diamond();
  const HostId a = *t.find("a"), b = *t.find("b"), c = *t.find("c"), d = *t.find("d");
  CHECK(t.path(a, d) == Topology::Path{2_ms, 30_us});  // via b, not via c (2.5ms)
  CHECK(t.path(c, b) == Topology::Path{1500_us, 11_us});  // via a (1.5ms), not via d (3ms)
  CHECK(t.path(a, c) == Topology::Path{500_us, 1_us});
}

TEST_CASE("a path is the same in both directions", "[topology]") {
  const Topology t = diamond();
  for (HostId x = 0; x < t.host_count(); ++x) {
    for (HostId y = 0; y < t.host_count(); ++y) {
      CAPTURE(t.name(x), t.name(y));
      CHECK(t.path(x, y) == t.path(y, x));
    }
  }
  // The same answers when the cache is filled from the other side first.
  const Topology fresh = diamond();
  for (HostId x = t.host_count(); x-- > 0;) {
    for (HostId y = 0; y < t.host_count(); ++y) CHECK(fresh.path(y, x) == t.path(x, y));
  }
}

TEST_CASE("among equal-delay routes the one with least jitter is taken, both ways", "[topology]") {
  Topology t;
  for (const char* n : {"s", "x", "y", "t"}) t.add_host(n, HostKind::Other);
  t.add_link("s", "x", 1_ms, 50_us);
  t.add_link("x", "t", 1_ms, 50_us);
  t.add_link("s", "y", 1_ms, 5_us);
  t.add_link("y", "t", 1_ms, 5_us);
  CHECK(t.path(0, 3) == Topology::Path{2_ms, 10_us});
  CHECK(t.path(3, 0) == Topology::Path{2_ms, 10_us});
}

TEST_CASE("adding a link after a path was asked changes later answers", "[topology]") {
  Topology t = diamond();
  const HostId a = *t.find("a"), d = *t.find("d");
  CHECK(t.path(a, d).delay == 2_ms);
  t.add_link("a", "d", 100_us);
  CHECK(t.path(a, d) == Topology::Path{100_us, 0});
  const HostId e = t.add_host("e", HostKind::Other);
  t.add_link(d, e, 1_us);
  CHECK(t.path(a, e).delay == 101_us);
}

TEST_CASE("a copy answers like the original and is independent of it", "[topology]") {
  Topology t = diamond();
  CHECK(t.path(0, 3).delay == 2_ms);
  Topology copy = t;
  t.add_link("a", "d", 1_us);
  CHECK(copy.path(0, 3).delay == 2_ms);
  CHECK(t.path(0, 3).delay == 1_us);
  copy = t;
  CHECK(copy.path(0, 3).delay == 1_us);
}

TEST_CASE("bad hosts and links are errors that name the hosts", "[topology]") {
  Topology t;
  const HostId p = t.add_host("proxy", HostKind::Proxy);
  const HostId c = t.add_host("client-3", HostKind::Client);
  t.add_host("backend-1", HostKind::Backend);
  t.add_link(p, c, 1_ms);

  CHECK_THAT(error_of([&] { t.add_host("proxy", HostKind::Other); }), Equals("duplicate host name 'proxy'"));
  CHECK_THAT(error_of([&] { t.add_host("", HostKind::Other); }), Contains("empty"));
  CHECK_THAT(error_of([&] { t.add_link("client-3", "backend-9", 1_ms); }),
             Equals("link 'client-3' - 'backend-9': unknown host 'backend-9'"));
  CHECK_THAT(error_of([&] { t.add_link("nobody", "proxy", 1_ms); }), Contains("unknown host 'nobody'"));
  CHECK_THAT(error_of([&] { t.add_link(p, 7, 1_ms); }), Contains("unknown host id 7"));
  CHECK_THAT(error_of([&] { t.add_link(p, p, 1_ms); }), Equals("link 'proxy' - 'proxy': a host cannot be linked to itself"));
  CHECK_THAT(error_of([&] { t.add_link("proxy", "backend-1", -5_us); }),
             Equals("link 'proxy' - 'backend-1': negative one-way delay -5us"));
  CHECK_THAT(error_of([&] { t.add_link("proxy", "backend-1", 1_ms, -1_us); }), Contains("negative jitter -1us"));
  CHECK_THAT(error_of([&] { t.add_link("proxy", "backend-1", kNever); }), Contains("finite"));
  CHECK_THAT(error_of([&] { t.add_link("client-3", "proxy", 2_ms); }), Equals("link 'client-3' - 'proxy': already linked"));
  CHECK_THAT(error_of([&] { (void)t.name(3); }), Contains("unknown host id 3"));
  CHECK_THAT(error_of([&] { (void)t.path(c, 3); }), Contains("unknown host id 3"));
  CHECK(t.link_count() == 1);  // failed calls added nothing
}

TEST_CASE("asking for a path between unconnected hosts names both", "[topology]") {
  Topology t;
  const HostId p = t.add_host("proxy", HostKind::Proxy);
  const HostId c = t.add_host("client-3", HostKind::Client);
  const HostId b = t.add_host("backend-1", HostKind::Backend);
  t.add_link(p, c, 1_ms);
  CHECK_THAT(error_of([&] { (void)t.path(c, b); }), Equals("no route from 'client-3' to 'backend-1'"));
  CHECK_THAT(error_of([&] { (void)t.path(b, c); }), Equals("no route from 'backend-1' to 'client-3'"));
  CHECK(t.path(c, p).delay == 1_ms);  // reachable pairs still answer
}

TEST_CASE("graphviz output has every host and every link label", "[topology]") {
  const Topology t = Topology::chain(2, 2, 250_us, 1_ms, 0);
  Topology j = t;
  j.add_host("router \"r1\"", HostKind::Other);
  j.add_link("proxy", "router \"r1\"", 3_ms, 20_us);
  const std::string dot = j.to_graphviz();
  CHECK_THAT(dot, Contains("graph G {"));
  // Names are DOT-escaped: quoted when they are not plain identifiers.
  for (const char* label : {"proxy", "\"client-0\"", "\"client-1\"", "\"backend-0\"", "\"backend-1\"",
                            "\"router \\\"r1\\\"\""}) {
    CHECK_THAT(dot, Contains(std::string("[label=") + label + ", shape="));
  }
  CHECK_THAT(dot, Contains("1--0 [label=\"250us\"]"));
  CHECK_THAT(dot, Contains("0--4 [label=\"1ms\"]"));
  CHECK_THAT(dot, Contains("[label=\"3ms +/- 20us\"]"));
  CHECK_THAT(dot, Contains("shape=box"));
  std::size_t edges = 0;
  for (std::size_t at = dot.find("--"); at != std::string::npos; at = dot.find("--", at + 2)) ++edges;
  CHECK(edges == j.link_count());
}

TEST_CASE("chain() builds clients -> proxy -> backends with documented names and ids", "[topology]") {
  const Topology t = Topology::chain(3, 2, 250_us, 1_ms, 50_us);
  REQUIRE(t.host_count() == 6);
  CHECK(t.link_count() == 5);
  CHECK(t.name(0) == "proxy");
  CHECK(t.kind(0) == HostKind::Proxy);
  CHECK(t.hosts(HostKind::Client) == std::vector<HostId>{1, 2, 3});
  CHECK(t.hosts(HostKind::Backend) == std::vector<HostId>{4, 5});
  CHECK(t.name(3) == "client-2");
  CHECK(t.name(5) == "backend-1");
  CHECK(t.path(*t.find("client-1"), 0) == Topology::Path{250_us, 50_us});
  CHECK(t.path(0, *t.find("backend-0")) == Topology::Path{1_ms, 50_us});
  CHECK(t.path(*t.find("client-2"), *t.find("backend-1")) == Topology::Path{1250_us, 100_us});
  CHECK(t.path(*t.find("client-0"), *t.find("client-1")) == Topology::Path{500_us, 100_us});
  CHECK(t.path(*t.find("backend-0"), *t.find("backend-1")) == Topology::Path{2_ms, 100_us});

  const Topology empty = Topology::chain(0, 0, 1_ms, 1_ms, 0);
  CHECK(empty.host_count() == 1);
  CHECK(empty.link_count() == 0);
  CHECK_THROWS_AS(Topology::chain(1, 1, -1_ms, 1_ms, 0), TopologyError);
}

TEST_CASE("a large chain answers client paths from the proxy's row", "[topology]") {
  const Topology t = Topology::chain(10'000, 4, 250_us, 1_ms, 0);
  for (HostId c : t.hosts(HostKind::Client)) {
    REQUIRE(t.path(c, 0).delay == 250_us);
    REQUIRE(t.path(0, c).delay == 250_us);
  }
  CHECK(t.path(t.hosts(HostKind::Client).back(), t.hosts(HostKind::Backend).back()).delay == 1250_us);
}

TEST_CASE("paths can be asked from several threads at once", "[topology]") {
  const Topology t = Topology::chain(200, 8, 250_us, 1_ms, 10_us);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (HostId c = 1; c <= 200; ++c) {
        for (HostId b = 201; b <= 208; ++b) {
          if (t.path(c, b) != Topology::Path{1250_us, 20_us}) ++wrong[k];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == std::vector<int>(4, 0));
}

TEST_CASE("chain() with several proxy instances links each to every client and backend", "[topology]") {
  const std::vector<Topology::Path> backends{{1_ms, 0}, {5_ms, 10_us}};
  const Topology t = Topology::chain(2, Topology::Path{250_us, 0}, backends, 3);
  REQUIRE(t.host_count() == 7);
  CHECK(t.link_count() == 3 * (2 + 2));
  // proxy-0 keeps id 0; the other instances follow the backends.
  CHECK(t.hosts(HostKind::Proxy) == std::vector<HostId>{0, 5, 6});
  CHECK(t.name(0) == "proxy-0");
  CHECK(t.name(5) == "proxy-1");
  CHECK(t.name(6) == "proxy-2");
  CHECK(t.hosts(HostKind::Client) == std::vector<HostId>{1, 2});
  CHECK(t.hosts(HostKind::Backend) == std::vector<HostId>{3, 4});
  for (const HostId p : t.hosts(HostKind::Proxy)) {
    CHECK(t.path(1, p) == Topology::Path{250_us, 0});
    CHECK(t.path(p, 3) == Topology::Path{1_ms, 0});
    CHECK(t.path(p, 4) == Topology::Path{5_ms, 10_us});
  }
  CHECK(t.path(5, 6) == Topology::Path{500_us, 0});  // instances reach each other through a client
  CHECK_THROWS_AS(Topology::chain(1, Topology::Path{250_us, 0}, backends, 0), TopologyError);
}

TEST_CASE("a middlebox is a property of a link, and a path reports the one it crosses", "[topology]") {
  // A NAT gateway (middlebox 0) on every client link, a load balancer (1) on backend-1's.
  const Topology t = Topology::chain(2, Topology::Path{250_us, 0, 0}, {{1_ms, 0}, {1_ms, 0, 1}}, 2);
  const HostId client = *t.find("client-0");
  const HostId b0 = *t.find("backend-0");
  const HostId b1 = *t.find("backend-1");
  for (const HostId p : t.hosts(HostKind::Proxy)) {
    CHECK(t.path(client, p).middlebox == 0);
    CHECK(t.path(p, b0).middlebox == Topology::Path::kNoMiddlebox);
    CHECK(t.path(p, b1).middlebox == 1);
    CHECK(t.path(b1, p) == t.path(p, b1));
  }
  CHECK(t.path(client, b1).middlebox == 0);  // two on the path: the lowest number, either way
  CHECK(t.path(b1, client).middlebox == 0);
  CHECK_THAT(t.to_graphviz(), Contains("[label=\"250us, middlebox 0\"]"));
  Topology u;
  const HostId a = u.add_host("a", HostKind::Client);
  const HostId b = u.add_host("b", HostKind::Proxy);
  CHECK_THROWS_AS(u.add_link(a, b, 1_ms, 0, -2), TopologyError);
}
