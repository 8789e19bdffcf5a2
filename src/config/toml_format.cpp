// Parse pass for TOML: the tayga.conf(5) directives as top-level keys. Each
// value is turned into the arguments the TAYGA syntax would have, and goes
// through the same directive table, so both syntaxes share every check.
#include <fmt/core.h>
#include <toml++/toml.h>

#include <algorithm>
#include <string>
#include <vector>

#include "config/front_ends.hpp"

namespace nat64d::config::detail {
namespace {

std::string_view type_name(toml::node_type t) {
    switch (t) {
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a floating-point number";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        case toml::node_type::none: break;
    }
    return "nothing";
}

std::string_view expected_type(TomlShape shape) {
    switch (shape) {
        case TomlShape::Bool: return "a boolean";
        case TomlShape::Integer: return "an integer";
        case TomlShape::String: return "a string";
        case TomlShape::Words: return "a string";
        case TomlShape::Map: return "a string or a table";
    }
    return "";
}

// Control bytes (and DEL, and bytes >= 0x80, as quote() shows them) as \xNN.
std::string escape_control(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) {
            out += fmt::format("\\x{:02x}", u);
        } else {
            out += c;
        }
    }
    return out;
}

std::string where_of(const std::string& name, const toml::source_region& src) {
    return fmt::format("{}:{}:{}", name, src.begin.line, src.begin.column);
}

class TomlReader {
public:
    TomlReader(const std::string& name, Draft& draft, Diagnostics& diag) : name_(name), draft_(draft), diag_(diag) {}

    void key(const toml::key& k, const toml::node& value) {
        const Directive* d = find_directive(k.str());
        if (d == nullptr) {
            error(k.source(), fmt::format("unknown key {}", quote(k.str())));
            return;
        }
        // TOML is case-sensitive: the keys are the directive names as
        // nat64d.conf(5) spells them (only tayga.conf syntax, for TAYGA's
        // sake, takes them in any case).
        if (k.str() != d->info.name) {
            error(k.source(),
                  fmt::format("unknown key {} (TOML keys are lowercase: {})", quote(k.str()), d->info.name));
            draft_.first.try_emplace(std::string(d->info.name), pos(k.source()));  // no "missing" complaint
            return;
        }
        if (d->info.many && value.is_array()) {
            // A list of occurrences, like several lines in tayga.conf.
            for (const auto& element : *value.as_array()) occurrence(*d, element, /*in_array=*/true);
            return;
        }
        occurrence(*d, value, /*in_array=*/false);
    }

private:
    void occurrence(const Directive& d, const toml::node& v, bool in_array) {
        std::vector<std::string> owned;  // the argument texts
        bool type_ok = false;
        switch (d.toml) {
            case TomlShape::Bool:
                if (const auto* b = v.as_boolean()) {
                    owned.emplace_back(b->get() ? "yes" : "no");
                    type_ok = true;
                }
                break;
            case TomlShape::Integer:
                if (const auto* i = v.as_integer()) {
                    owned.push_back(std::to_string(i->get()));
                    type_ok = true;
                }
                break;
            case TomlShape::String:
                if (const auto* s = v.as_string()) {
                    owned.push_back(s->get());
                    type_ok = true;
                }
                break;
            case TomlShape::Words:
                if (const auto* s = v.as_string()) {
                    for (const auto w : split_words(s->get())) owned.emplace_back(w);
                    type_ok = true;
                }
                break;
            case TomlShape::Map:
                if (const auto* s = v.as_string()) {
                    for (const auto w : split_words(s->get())) owned.emplace_back(w);
                    type_ok = true;
                } else if (const auto* t = v.as_table()) {
                    if (!map_table(d, *t, owned)) return;
                    type_ok = true;
                }
                break;
        }
        if (!type_ok) {
            const bool list_allowed = d.info.many && !in_array;
            error(v.source(), fmt::format("{}: expected {}{} but found {}", d.info.name, expected_type(d.toml),
                                          list_allowed ? " or an array of them" : "", type_name(v.type())));
            // Still counts as present: no "missing" complaint in validation.
            draft_.first.try_emplace(std::string(d.info.name), pos(v.source()));
            return;
        }
        const std::vector<std::string_view> args(owned.begin(), owned.end());
        apply_directive(d, args, pos(v.source()), where_of(name_, v.source()), draft_, diag_);
    }

    // [[map]] / { ipv4 = "...", ipv6 = "..." }.
    bool map_table(const Directive& d, const toml::table& t, std::vector<std::string>& owned) {
        bool ok = true;
        for (const auto& [k, v] : t) {
            if (k.str() != "ipv4" && k.str() != "ipv6") {
                error(k.source(),
                      fmt::format("{}: unknown key {} (expected ipv4 and ipv6)", d.info.name, quote(k.str())));
                ok = false;
            } else if (!v.is_string()) {
                error(v.source(),
                      fmt::format("{}: {}: expected a string but found {}", d.info.name, k.str(), type_name(v.type())));
                ok = false;
            }
        }
        for (const char* side : {"ipv4", "ipv6"}) {
            const auto* s = t.get_as<std::string>(side);
            if (s == nullptr && !t.contains(side)) {
                error(t.source(), fmt::format("{}: missing key '{}'", d.info.name, side));
                ok = false;
            } else if (s != nullptr) {
                owned.push_back(s->get());
            }
        }
        if (!ok) draft_.first.try_emplace(std::string(d.info.name), pos(t.source()));
        return ok;
    }

    SourcePos pos(const toml::source_region& src) const { return SourcePos{name_, src.begin.line}; }

    void error(const toml::source_region& src, std::string_view message) {
        diag_.errors.push_back(fmt::format("{}: {}", where_of(name_, src), message));
    }

    const std::string& name_;
    Draft& draft_;
    Diagnostics& diag_;
};

}  // namespace

bool parse_toml(std::string_view text, const std::string& name, Draft& draft, Diagnostics& diag) {
    toml::table root;
    try {
        root = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        // toml++ describes the offending text as it found it: escaped as
        // every message quoting the file is (common::quote), so that a
        // control byte in the file cannot reach the terminal or the log.
        diag.errors.push_back(fmt::format("{}: {}", where_of(name, e.source()), escape_control(e.description())));
        return false;
    }
    // toml::table iterates in key order; report in file order instead.
    std::vector<std::pair<const toml::key*, const toml::node*>> keys;
    for (const auto& [k, v] : root) keys.emplace_back(&k, &v);
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
        const auto& sa = a.first->source().begin;
        const auto& sb = b.first->source().begin;
        return sa.line != sb.line ? sa.line < sb.line : sa.column < sb.column;
    });
    TomlReader reader(name, draft, diag);
    for (const auto& [k, v] : keys) reader.key(*k, *v);
    return true;
}

}  // namespace nat64d::config::detail
