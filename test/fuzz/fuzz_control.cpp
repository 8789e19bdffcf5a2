// Fuzz target fuzz_control: any bytes as what a nat64dctl client sends on
// the control socket, without the socket: the first input byte sets the
// size of the pieces the rest arrives in (as recv() would hand them over),
// then the connection's framing (frame_request) and the request parser
// (parse_request) run as the daemon runs them, and a `mappings` request is
// answered from a fixed configuration and pool. Invariants, besides the
// absence of memory and UB errors:
//  - framing: a request is the start of what arrived, holds no '\n' and
//    no more than kMaxRequest bytes; "too long" only past kMaxRequest;
//    once framed, more bytes do not change the outcome;
//  - an error reply is one line starting with "error: ", with every byte
//    printable (the request's bytes are escaped);
//  - a parsed request is one nat64dctl(8) documents, and parsing it as
//    the client would print it gives the same request;
//  - a `mappings ADDRESS` reply lists a subset of the unfiltered lines,
//    and every reply holds only printable bytes and ends with '\n'.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "daemon/control.hpp"
#include "daemon/mappings.hpp"

namespace {

using namespace nat64d;
using daemon::ControlRequest;
using daemon::Framed;

[[noreturn]] void violated(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "invariant violated: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

void check_printable(std::string_view reply) {
    if (reply.empty() || reply.back() != '\n') violated("reply does not end with a newline", reply);
    for (const char c : reply) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n') || u == 0x7f) violated("control byte in a reply", reply);
    }
}

const Config& running() {
    static const Config cfg = [] {
        config::Diagnostics diag;
        auto c = config::load_tayga_text(
            "tun-device nat64\nipv4-addr 192.0.2.1\nprefix 3fff:6464::/96\ndynamic-pool 198.51.100.0/24\n"
            "map 192.0.2.16/28 2001:db8:1::/124\nmap 203.0.113.5 2001:db8:5::5\n",
            "nat64d.conf", {}, diag);
        if (!c) violated("configuration refused");
        return *c;
    }();
    return cfg;
}

const daemon::LeaseView& leases() {
    static const daemon::LeaseView view{
        {addr::LeaseInfo{*parse_ipv4("198.51.100.7"), *parse_ipv6("2001:db8:9::7"), 1700000000 - 60, true},
         addr::LeaseInfo{*parse_ipv4("198.51.100.9"), *parse_ipv6("2001:db8:9::9"), 1700000000 - 86400, false}},
        1700000000};
    return view;
}

std::string_view kind_name(ControlRequest::Kind k) {
    switch (k) {
        case ControlRequest::Kind::Status: return "status";
        case ControlRequest::Kind::Stats: return "stats";
        case ControlRequest::Kind::Metrics: return "metrics";
        case ControlRequest::Kind::Mappings: return "mappings";
        case ControlRequest::Kind::Config: return "config";
        case ControlRequest::Kind::Reload: return "reload";
    }
    violated("unknown request kind");
}

std::string address_text(const daemon::AddressFilter& f) {
    return f.is_v6 ? to_string(f.v6) : to_string(f.v4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t piece = 1 + data[0] % 64;
    const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
    std::string received;
    Framed framed;
    std::size_t at = 0;
    while (at < stream.size() && framed.what == Framed::What::Wait) {
        received.append(stream.substr(at, piece));
        at += piece;
        framed = daemon::frame_request(received, false);
    }
    if (framed.what == Framed::What::Wait) framed = daemon::frame_request(received, true);
    if (framed.what == Framed::What::Wait) violated("no outcome after the client closed");
    if (framed.what == Framed::What::TooLong) {
        if (received.size() <= daemon::kMaxRequest) violated("too long within kMaxRequest");
        return 0;
    }
    const std::string_view request = framed.request;
    if (request.size() > daemon::kMaxRequest || request.find('\n') != std::string_view::npos ||
        std::string_view(received).substr(0, request.size()) != request) {
        violated("framed request is not the first line");
    }
    // More bytes behind a complete line change nothing.
    const std::string longer = received + "status\n";
    if (const auto more = daemon::frame_request(longer, true);
        request.size() < received.size() && (more.what != Framed::What::Request || more.request != request)) {
        violated("framing changed by later bytes");
    }

    const auto r = daemon::parse_request(request);
    if (!r) {
        const std::string& reply = r.error();
        if (reply.rfind("error: ", 0) != 0 || reply.find('\n') != reply.size() - 1) violated("error reply form", reply);
        check_printable(reply);
        return 0;
    }
    // The request as nat64dctl would print it reads back the same.
    std::string canonical(kind_name(r->kind));
    if (r->filter) canonical += " " + address_text(*r->filter);
    if (r->json) canonical += " --json";
    const auto again = daemon::parse_request(canonical);
    if (!again || again->kind != r->kind || again->json != r->json ||
        again->filter.has_value() != r->filter.has_value() ||
        (r->filter && address_text(*again->filter) != address_text(*r->filter))) {
        violated("request printed and read again differs", canonical);
    }
    if (r->json && r->kind != ControlRequest::Kind::Stats && r->kind != ControlRequest::Kind::Mappings) {
        violated("--json on a request without it");
    }
    if (r->kind != ControlRequest::Kind::Mappings) return 0;

    const std::string reply = daemon::format_mappings(running(), leases(), r->filter, r->json);
    check_printable(reply);
    if (r->filter && !r->json) {
        const std::string all = daemon::format_mappings(running(), leases(), std::nullopt, false);
        std::size_t start = 0;
        while (start < reply.size()) {
            const std::size_t end = reply.find('\n', start);
            const std::string_view line = std::string_view(reply).substr(start, end - start + 1);
            if (line.rfind("no mapping for ", 0) != 0 && all.find(line) == std::string::npos) {
                violated("filtered line not in the unfiltered list", line);
            }
            start = end + 1;
        }
    }
    return 0;
}
