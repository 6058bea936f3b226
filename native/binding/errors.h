// Mapping C++ failures to JS errors that carry an ERR_* `code`. The TS layer re-wraps them as
// EfficientNetError (lib/native.ts) with the caller's stack.
#pragma once
#include <napi.h>

#include <exception>
#include <string>

namespace effnet::binding {

struct ErrorInfo {
  std::string code;
  std::string message;
};

// Classifies the exception currently being handled (call only inside a catch block).
ErrorInfo current_exception_info();

// An Error object with `code` set, ready to throw or to reject a promise with.
Napi::Error make_error(Napi::Env env, const ErrorInfo& info);

// A JS value as the Z of that message: `number 3`, `string "x"`, `an array`, ...
std::string describe(const Napi::Value& v);

// Throws a JS TypeError / RangeError with the house message "Expected X for Y but received Z".
[[noreturn]] void throw_type_error(Napi::Env env, const std::string& expected, const std::string& what,
                                   const std::string& received);
[[noreturn]] void throw_range_error(Napi::Env env, const std::string& expected, const std::string& what,
                                    const std::string& received);

// Runs `fn`, turning any effnet::Error / std::exception it throws into a thrown JS error with a code.
template <typename Fn>
auto guard(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;  // already a JS error
  } catch (...) {
    throw make_error(env, current_exception_info());
  }
}

}  // namespace effnet::binding
