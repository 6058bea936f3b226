#include "binding/errors.h"

#include <new>

#include "effnet/error.h"

namespace effnet::binding {

ErrorInfo current_exception_info() {
  try {
    throw;
  } catch (const effnet::Error& e) {
    return {e.code(), e.what()};
  } catch (const std::bad_alloc&) {
    return {kErrOutOfMemory, "out of memory in the native core"};
  } catch (const std::exception& e) {
    return {kErrInternal, std::string("internal error in the native core: ") + e.what()};
  } catch (...) {
    return {kErrInternal, "internal error in the native core (unknown exception)"};
  }
}

Napi::Error make_error(Napi::Env env, const ErrorInfo& info) {
  Napi::Error error = Napi::Error::New(env, info.message);
  error.Set("code", Napi::String::New(env, info.code));
  return error;
}

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) return "number " + v.ToString().Utf8Value();
  if (v.IsString()) return "string \"" + v.As<Napi::String>().Utf8Value() + "\"";
  if (v.IsTypedArray()) return "a typed array";
  if (v.IsArray()) return "an array";
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

void throw_type_error(Napi::Env env, const std::string& expected, const std::string& what,
                      const std::string& received) {
  throw Napi::TypeError::New(env, "Expected " + expected + " for " + what + " but received " + received);
}

void throw_range_error(Napi::Env env, const std::string& expected, const std::string& what,
                       const std::string& received) {
  throw Napi::RangeError::New(env, "Expected " + expected + " for " + what + " but received " + received);
}

}  // namespace effnet::binding
