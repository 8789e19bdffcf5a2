// metrics-listen: GET /metrics over HTTP (Prometheus text format), served
// by libmicrohttpd from a thread of its own. That thread only calls the
// render function, which reads the same summed counters as `nat64dctl
// metrics`; it never touches a TUN queue or the translation tables.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "nat64d/config.hpp"

struct MHD_Daemon;

namespace nat64d::daemon {

// Connections served at once, and how long an idle one is kept: a scraper
// needs one, and a stalled client must not hold the thread's slots.
inline constexpr unsigned kMetricsMaxConnections = 16;
inline constexpr unsigned kMetricsIdleTimeoutSeconds = 10;

class MetricsServer {
public:
    // Binds and listens on `where`, while still root (a port below 1024
    // needs it); serves nothing until start().
    [[nodiscard]] static common::Result<std::unique_ptr<MetricsServer>> bind(const ListenAddr& where);

    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;
    ~MetricsServer();  // stops the thread, closes the socket

    // Starts the HTTP thread (start it once the signal mask is set, so that
    // it inherits it). `render` is called on that thread for each GET
    // /metrics and must be safe to call from there. Replies:
    //   GET or HEAD /metrics  200, the text of render()
    //   another method        405, with Allow: GET, HEAD
    //   any other path        404
    [[nodiscard]] common::Status start(std::function<std::string()> render);

    // The port bound (as asked; for tests that bind port 0 it is the one the
    // kernel chose).
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

private:
    MetricsServer(common::UniqueFd fd, std::uint16_t port) : fd_(std::move(fd)), port_(port) {}
    common::UniqueFd fd_;  // owned until start() hands it to libmicrohttpd
    std::uint16_t port_ = 0;
    MHD_Daemon* mhd_ = nullptr;
    std::function<std::string()> render_;
};

// The reply to one request, as the server sends it: status and body (and,
// for 405, the Allow header). Exposed for tests.
struct HttpReply {
    unsigned status = 0;
    std::string body;
    bool allow_header = false;  // 405: Allow: GET, HEAD
};
[[nodiscard]] HttpReply metrics_reply(std::string_view method, std::string_view path,
                                      const std::function<std::string()>& render);

}  // namespace nat64d::daemon
