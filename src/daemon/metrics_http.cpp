#include "daemon/metrics_http.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "common/log.hpp"
#include "daemon/stats.hpp"

namespace nat64d::daemon {
namespace {

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

// libmicrohttpd's own messages (a client that misbehaves, a failed accept)
// go to the log as debug lines: nothing the operator must act on.
void mhd_log(void*, const char* format, va_list ap) {
    char buf[512];
    std::vsnprintf(buf, sizeof buf, format, ap);
    std::string_view text(buf);
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    common::log(common::LogLevel::Debug, "metrics-listen: {}", text);
}

// Marks a connection whose request headers have been seen.
char g_request_seen;

MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                      const char*, std::size_t* upload_data_size, void** con_cls) {
    // First call: headers only. A request body (POST, PUT) arrives in
    // further calls and is discarded; the reply goes out after the last.
    if (*con_cls == nullptr) {
        *con_cls = &g_request_seen;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    const auto& render = *static_cast<const std::function<std::string()>*>(cls);
    const HttpReply reply = metrics_reply(method, url, render);
    MHD_Response* response =
        MHD_create_response_from_buffer(reply.body.size(), const_cast<char*>(reply.body.data()), MHD_RESPMEM_MUST_COPY);
    if (response == nullptr) return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            reply.status == MHD_HTTP_OK ? kMetricsContentType : "text/plain; charset=utf-8");
    if (reply.allow_header) MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    const MHD_Result queued = MHD_queue_response(connection, reply.status, response);
    MHD_destroy_response(response);
    return queued;
}

}  // namespace

HttpReply metrics_reply(std::string_view method, std::string_view path, const std::function<std::string()>& render) {
    if (path != "/metrics") return {MHD_HTTP_NOT_FOUND, "not found: only /metrics is served\n", false};
    // RFC 9110 §9.1: a general-purpose server supports GET and HEAD; HEAD
    // gets the same headers without the body (libmicrohttpd leaves it out).
    if (method != MHD_HTTP_METHOD_GET && method != MHD_HTTP_METHOD_HEAD)
        return {MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: use GET\n", true};
    return {MHD_HTTP_OK, render(), false};
}

common::Result<std::unique_ptr<MetricsServer>> MetricsServer::bind(const ListenAddr& where) {
    const std::string name = "metrics-listen " + to_string(where);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (where.is_v6) {
        auto& a = reinterpret_cast<sockaddr_in6&>(ss);
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(where.port);
        std::memcpy(&a.sin6_addr, where.v6.bytes.data(), 16);
        len = sizeof a;
    } else {
        auto& a = reinterpret_cast<sockaddr_in&>(ss);
        a.sin_family = AF_INET;
        a.sin_port = htons(where.port);
        std::memcpy(&a.sin_addr, where.v4.bytes.data(), 4);
        len = sizeof a;
    }
    common::UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return common::Error{errno_text(name)};
    // A restart finds the port still in TIME_WAIT from the last scrape.
    const int one = 1;
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0 || ::listen(fd.get(), 16) != 0)
        return common::Error{errno_text(name)};
    std::uint16_t port = where.port;
    sockaddr_storage bound{};
    socklen_t bound_len = sizeof bound;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &bound_len) == 0) {
        port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(bound).sin6_port
                                                 : reinterpret_cast<const sockaddr_in&>(bound).sin_port);
    }
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(fd), port));
}

common::Status MetricsServer::start(std::function<std::string()> render) {
    if (mhd_ != nullptr || !fd_) return common::Error{"metrics-listen: already started"};
    render_ = std::move(render);
    // One internal thread polls every connection (no thread per
    // connection): a scrape is a short request and a small reply. The
    // logger comes first, so that libmicrohttpd prints nothing itself.
    mhd_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG, 0, nullptr, nullptr,
                            &on_request, &render_, MHD_OPTION_EXTERNAL_LOGGER, &mhd_log, nullptr,
                            MHD_OPTION_LISTEN_SOCKET, fd_.get(), MHD_OPTION_CONNECTION_LIMIT, kMetricsMaxConnections,
                            MHD_OPTION_CONNECTION_TIMEOUT, kMetricsIdleTimeoutSeconds, MHD_OPTION_END);
    if (mhd_ == nullptr) return common::Error{"metrics-listen: libmicrohttpd did not start"};
    (void)fd_.release();  // libmicrohttpd closes it when stopped
    return {};
}

MetricsServer::~MetricsServer() {
    if (mhd_ != nullptr) MHD_stop_daemon(mhd_);
}

}  // namespace nat64d::daemon
