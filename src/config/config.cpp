// Entry points: read a file, pick the syntax, run the parse pass and then
// the validation pass, hand out a Config only when nothing was wrong.
#include "config/config.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config/front_ends.hpp"

namespace nat64d::config {
namespace {

using ParseFn = bool (*)(std::string_view, const std::string&, detail::Draft&, Diagnostics&);

std::optional<Config> load(ParseFn parse, std::string_view text, const std::string& name, const Environment& env,
                           Diagnostics& diag) {
    const std::size_t errors_before = diag.errors.size();
    detail::Draft draft;
    draft.cfg.source_file = name;
    if (parse(text, name, draft, diag)) detail::validate(draft, env, diag);
    if (diag.errors.size() != errors_before) return std::nullopt;
    return std::move(draft.cfg);
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The whole file, or the strerror() text of what went wrong.
bool read_file(const std::string& path, std::string& out, std::string& why) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        why = fmt::format("cannot open: {}", std::strerror(errno));
        return false;
    }
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            why = fmt::format("cannot open: {}", std::strerror(errno));
            ::close(fd);
            return false;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return true;
}

}  // namespace

std::optional<Config> load_tayga_text(std::string_view text, const std::string& name, const Environment& env,
                                      Diagnostics& diag) {
    return load(detail::parse_tayga, text, name, env, diag);
}

std::optional<Config> load_toml_text(std::string_view text, const std::string& name, const Environment& env,
                                     Diagnostics& diag) {
    return load(detail::parse_toml, text, name, env, diag);
}

std::optional<Config> load_file(const std::string& path, const Environment& env, Diagnostics& diag) {
    std::string text;
    std::string why;
    if (!read_file(path, text, why)) {
        diag.errors.push_back(fmt::format("{}: {}", path, why));
        return std::nullopt;
    }
    if (ends_with(path, ".toml")) return load_toml_text(text, path, env, diag);
    return load_tayga_text(text, path, env, diag);
}

}  // namespace nat64d::config
