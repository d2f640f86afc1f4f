// The one error type of rawops: a message chain plus, where the kernel said
// no, its errno. It lives in the lowest layer (btf/) so that the BTF library,
// the ELF reader and the loader all report failures the same way.
//
// No exceptions cross the library API: fallible functions return Result<T>.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace rawops {

class Error {
public:
    Error() = default;
    explicit Error(std::string message, int err_no = 0)
        : message_(std::move(message)), errno_(err_no) {}

    // Prepends one level of context: "while loading 'x': <inner message>".
    Error&& context(const std::string& what) && {
        message_ = what + ": " + message_;
        return std::move(*this);
    }
    Error& context(const std::string& what) & {
        message_ = what + ": " + message_;
        return *this;
    }

    const std::string& message() const { return message_; }
    // errno the kernel returned, or 0 when the error is about the input.
    int err_no() const { return errno_; }
    bool kernel_refused() const { return errno_ != 0; }

private:
    std::string message_;
    int errno_ = 0;
};

// Either a value or an Error. Small on purpose: C++20 has no std::expected.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

// Result for operations that produce nothing but may fail.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const& { return error_; }
    Error&& error() && { return std::move(error_); }

private:
    Error error_;
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace rawops

// Propagates the error of a Result-returning expression, adding no context.
#define RAWOPS_TRY(expr)                                   \
    do {                                                   \
        auto rawops_try_result_ = (expr);                  \
        if (!rawops_try_result_.ok())                      \
            return std::move(rawops_try_result_).error();  \
    } while (0)
