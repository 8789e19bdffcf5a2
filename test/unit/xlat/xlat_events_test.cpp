// Logging hook: the translator never logs; it leaves one fixed-size
// "last event" per packet in the Context for the worker's `log` option
// (TAYGA's drop / reject / icmp / self).
#include <catch2/catch.hpp>

#include "fixtures.hpp"

using namespace nat64d;
using namespace nat64d::test;

TEST_CASE("log drop: a silent drop records addresses, protocol and reason", "[xlat][log]") {
    const auto o = run_xlat(default_tables(), ipv4({v4("127.0.0.1"), kHost4, 17}, udp(1, 2, {})));
    REQUIRE(o.verdict == Verdict::Drop);
    REQUIRE(o.events == 1);
    CHECK(o.event.kind == xlat::EventKind::Drop);
    CHECK(o.event.reason == Reason::IllegalSource);
    CHECK_FALSE(o.event.is_v6);
    CHECK(o.event.proto == 17);
    CHECK(o.event.src4 == v4("127.0.0.1"));
    CHECK(o.event.dst4 == kHost4);
}

TEST_CASE("log reject: a packet answered with a translator error records Reject", "[xlat][log]") {
    const Ipv6Addr unmapped = v6("2001:db8:ffff::1");
    const Bytes in = ipv6({unmapped, kServer6, 6}, seal6(tcp(1, 2, 3, 2, {}), 6, unmapped, kServer6));
    const auto o = run_xlat(default_tables(), in);
    REQUIRE(o.verdict == Verdict::IcmpError);
    REQUIRE(o.events == 1);
    CHECK(o.event.kind == xlat::EventKind::Reject);
    CHECK(o.event.reason == Reason::SrcUnmappable6);
    CHECK(o.event.is_v6);
    CHECK(o.event.proto == 6);
    CHECK(o.event.src6 == unmapped);
    CHECK(o.event.dst6 == kServer6);
}

TEST_CASE("log icmp: the translator's own Time Exceeded and Packet Too Big record RouterError (TAYGA's icmp)",
          "[xlat][log]") {
    auto o =
        run_xlat(default_tables(), ipv6({kHost6, kServer6, 6, 1}, seal6(tcp(1, 2, 3, 2, {}), 6, kHost6, kServer6)));
    REQUIRE(o.verdict == Verdict::IcmpError);
    CHECK(o.event.kind == xlat::EventKind::RouterError);
    CHECK(o.event.reason == Reason::HopLimitExpired);
    o = run_xlat(default_tables(), ipv4({kServer4, kHost4, 17, 1}, seal4(udp(1, 2, {}), 17, kServer4, kHost4)));
    CHECK(o.event.kind == xlat::EventKind::RouterError);
    CHECK(o.event.reason == Reason::TtlExpired);
    const Bytes big = ipv6({kHost6, kServer6, 17}, seal6(udp(1, 2, Bytes(1500, 1)), 17, kHost6, kServer6));
    o = run_xlat(default_tables(), big);
    REQUIRE(o.verdict == Verdict::IcmpError);
    CHECK(o.event.kind == xlat::EventKind::RouterError);
    CHECK(o.event.reason == Reason::TooBig);
    const Bytes big4 =
        ipv4({kServer4, kHost4, 17, 64, 0, 1, true}, seal4(udp(1, 2, Bytes(1480, 1)), 17, kServer4, kHost4));
    o = run_xlat(default_tables(), big4);
    REQUIRE(o.verdict == Verdict::IcmpError);
    CHECK(o.event.kind == xlat::EventKind::RouterError);
    CHECK(o.event.reason == Reason::TooBig);
    LogFlags f;
    f.icmp = true;
    CHECK(xlat::wanted(f, o.event));
    f = LogFlags{};
    f.reject = true;
    CHECK_FALSE(xlat::wanted(f, o.event));  // TAYGA logs these under icmp only
    CHECK(xlat::describe(o.event).rfind("icmp 192.0.2.33 -> 198.51.100.10 proto 17: too-big (", 0) == 0);
}

TEST_CASE("log reject: a suppressed error is recorded as a drop", "[xlat][log]") {
    auto t = default_tables();
    t.icmp_errors = false;
    const auto o = run_xlat(t, ipv4({kServer4, kHost4, 17, 1}, udp(1, 2, {})));
    REQUIRE(o.events == 1);
    CHECK(o.event.kind == xlat::EventKind::Drop);
    CHECK(o.event.reason == Reason::TtlExpired);
}

TEST_CASE("log icmp: a translated ICMP error from the network records Icmp", "[xlat][log]") {
    const Bytes q4 = quoted_udp4();
    const auto o =
        run_xlat(default_tables(), ipv4({kRouter4, kHost4, 1}, seal4(icmp_msg(3, 3, 0, q4), 1, kRouter4, kHost4)));
    REQUIRE(o.verdict == Verdict::Forward);
    REQUIRE(o.events == 1);
    CHECK(o.event.kind == xlat::EventKind::Icmp);
    CHECK(o.event.src4 == kRouter4);
}

TEST_CASE("log self: packets to the translator's own address record Self", "[xlat][log]") {
    auto o =
        run_xlat(default_tables(), ipv6({kHost6, kXlat6, 58}, seal6(icmp_echo(128, 1, 1, {}), 58, kHost6, kXlat6)));
    REQUIRE(o.verdict == Verdict::Local);
    CHECK(o.event.kind == xlat::EventKind::Self);
    o = run_xlat(default_tables(), ipv4({kServer4, kXlat4, 1}, seal4(icmp_echo(0, 1, 1, {}), 1, kServer4, kXlat4)));
    REQUIRE(o.verdict == Verdict::Drop);
    CHECK(o.event.kind == xlat::EventKind::Self);
    CHECK(o.event.reason == Reason::LocalUnsupported);
    // TAYGA logs a protocol unreachable from its own address as SELF and REJECT.
    o = run_xlat(default_tables(), ipv4({kServer4, kXlat4, 17}, seal4(udp(1, 2, {}), 17, kServer4, kXlat4)));
    REQUIRE(o.verdict == Verdict::IcmpError);
    CHECK(o.event.kind == xlat::EventKind::Self);
    CHECK(o.event.reason == Reason::ProtocolUnreachable);
    LogFlags f;
    f.reject = true;
    CHECK(xlat::wanted(f, o.event));
    f = LogFlags{};
    f.self = true;
    CHECK(xlat::wanted(f, o.event));
    CHECK(xlat::describe(o.event) ==
          "self 192.0.2.33 -> 192.0.2.1 proto 17: protocol-unreachable (non-ICMP packet to the "
          "translator's own address (RFC 1122 §3.2.2.1, RFC 8200 §4))");
}

TEST_CASE("Forwarded ordinary packets record no event", "[xlat][log]") {
    const auto o = run_xlat(default_tables(), quoted_udp6(64));
    REQUIRE(o.verdict == Verdict::Forward);
    CHECK(o.events == 0);
}

TEST_CASE("wanted(): each event kind follows its TAYGA log flag", "[xlat][log]") {
    xlat::Event e;
    LogFlags f;
    for (const auto kind :
         {xlat::EventKind::Drop, xlat::EventKind::Reject, xlat::EventKind::Icmp, xlat::EventKind::Self}) {
        e.kind = kind;
        CHECK_FALSE(xlat::wanted(f, e));
    }
    f.drop = true;
    e.kind = xlat::EventKind::Drop;
    CHECK(xlat::wanted(f, e));
    e.kind = xlat::EventKind::Reject;
    CHECK_FALSE(xlat::wanted(f, e));
    f = LogFlags{};
    f.reject = true;
    CHECK(xlat::wanted(f, e));
    f = LogFlags{};
    f.icmp = true;
    e.kind = xlat::EventKind::Icmp;
    CHECK(xlat::wanted(f, e));
    f = LogFlags{};
    f.self = true;
    e.kind = xlat::EventKind::Self;
    CHECK(xlat::wanted(f, e));
    f.dyn = true;
    e.kind = xlat::EventKind::Drop;
    CHECK_FALSE(xlat::wanted(f, e));
}

TEST_CASE("describe(): one concise line with addresses, protocol and reason", "[xlat][log]") {
    const Bytes in = ipv6({kHost6, kServer6, 17, 1}, seal6(udp(1, 2, {}), 17, kHost6, kServer6));
    const auto o = run_xlat(default_tables(), in);
    CHECK(xlat::describe(o.event) ==
          "icmp 2001:db8::10 -> 3fff:6464::c000:221 proto 17: hop-limit-expired (IPv6 hop limit would reach zero)");
    const auto o2 = run_xlat(default_tables(),
                             ipv4({kRouter4, kHost4, 1}, seal4(icmp_msg(3, 3, 0, quoted_udp4()), 1, kRouter4, kHost4)));
    CHECK(xlat::describe(o2.event) == "icmp 203.0.113.1 -> 198.51.100.10 proto 1");
}
