// Result<T>: a value or an error message (g++ 12 has no std::expected in
// C++20). Used by parsers and reloads; the packet path uses verdicts instead.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace nat64d::common {

struct Error {
    std::string message;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose
    Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit on purpose

    [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] T& value() & { return std::get<0>(v_); }
    [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
    // By value: `for (auto& x : f().value())` must not bind to a dead temporary.
    [[nodiscard]] T value() && { return std::get<0>(std::move(v_)); }
    [[nodiscard]] T& operator*() & { return value(); }
    [[nodiscard]] const T& operator*() const& { return value(); }
    [[nodiscard]] T* operator->() { return &value(); }
    [[nodiscard]] const T* operator->() const { return &value(); }
    [[nodiscard]] const std::string& error() const { return std::get<1>(v_).message; }

private:
    std::variant<T, Error> v_;
};

// Result<void>.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : error_(std::move(error.message)), ok_(false) {}  // NOLINT
    [[nodiscard]] bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    [[nodiscard]] const std::string& error() const { return error_; }

private:
    std::string error_;
    bool ok_ = true;
};

}  // namespace nat64d::common
