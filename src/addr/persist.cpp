#include "addr/persist.hpp"

#include "common/file.hpp"
#include "common/text.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>

namespace nat64d::addr {
namespace {

using common::quote;
using common::split_words;

// Unix seconds: decimal digits only (TAYGA refuses signs and trailing junk).
std::optional<std::int64_t> parse_time(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt;  // 18 digits cannot overflow int64
    std::int64_t v = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

}  // namespace

DynamicMapFile parse_dynamic_map(std::string_view content, std::string_view name) {
    DynamicMapFile out;
    unsigned line_no = 0;
    std::size_t bad = 0;
    while (!content.empty()) {
        ++line_no;
        const auto eol = content.find('\n');
        const std::string_view line = content.substr(0, eol);
        content = eol == std::string_view::npos ? std::string_view{} : content.substr(eol + 1);

        auto malformed = [&](const std::string& why) {
            // A file of a million bad lines must not become a million log
            // lines: the first few say what is wrong, a count the rest.
            if (++bad <= kMaxMalformedMessages)
                out.messages.push_back(fmt::format("{}:{}: ignoring malformed line: {}", name, line_no, why));
        };
        if (line.find('\0') != std::string_view::npos) {
            malformed("NUL byte (a binary or damaged file?)");
            continue;
        }
        const auto words = split_words(line);
        if (words.empty() || words[0].front() == '#') continue;
        if (words.size() != 3) {
            malformed(fmt::format("expected IPv4 address, IPv6 address and last-use time, found {} field{}",
                                  words.size(), words.size() == 1 ? "" : "s"));
            continue;
        }
        const auto v4 = parse_ipv4(words[0]);
        if (!v4) {
            malformed("expected an IPv4 address but found " + quote(words[0]));
            continue;
        }
        const auto v6 = parse_ipv6(words[1]);
        if (!v6) {
            malformed("expected an IPv6 address but found " + quote(words[1]));
            continue;
        }
        const auto t = parse_time(words[2]);
        if (!t) {
            malformed("expected a last-use time in Unix seconds but found " + quote(words[2]));
            continue;
        }
        out.records.push_back(LeaseRecord{*v4, *v6, *t, line_no});
    }
    if (bad > kMaxMalformedMessages)
        out.messages.push_back(fmt::format("{}: ... and {} more malformed line{} ignored", name,
                                           bad - kMaxMalformedMessages, bad - kMaxMalformedMessages == 1 ? "" : "s"));
    out.malformed = bad;
    return out;
}

std::string format_dynamic_map(const std::vector<LeaseRecord>& records, std::int64_t now) {
    // TAYGA's header shape (its reader skips every '#' line, so TAYGA can
    // read our file back too), with the time in UTC instead of local time.
    const std::time_t t = static_cast<std::time_t>(now);
    std::tm tm{};
    char when[64] = "unknown";
    if (gmtime_r(&t, &tm) != nullptr) std::strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y UTC", &tm);
    std::string out = fmt::format(
        "###\n###\n### nat64d dynamic map database (TAYGA's dynamic.map format)\n###\n"
        "### You can edit this (carefully!) as long as you shut down nat64d first\n###\n###\n"
        "### Last written: {}\n###\n###\n\n",
        when);
    for (const LeaseRecord& r : records)
        out += fmt::format("{}\t{}\t{}\n", to_string(r.v4), to_string(r.v6), r.last_use);
    return out;
}

common::Result<std::optional<std::string>> read_text_file(const std::string& path) {
    int open_errno = 0;
    auto text = common::read_input_file(path, &open_errno);
    if (!text) {
        if (open_errno == ENOENT) return std::optional<std::string>{};
        return common::Error{fmt::format("unable to read {}: {}", path, text.error())};
    }
    return std::optional<std::string>{std::move(*text)};
}

}  // namespace nat64d::addr
