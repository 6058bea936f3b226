// The one exception type the core throws. The binding turns it into an EfficientNetError whose
// `code` is `code()` (an ERR_* string), so every failure reaches JS as data, never as an abort.
#pragma once
#include <stdexcept>
#include <string>

namespace effnet {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

// Codes used by the core. Keep in sync with lib/errors.ts (ErrorCode).
inline constexpr const char* kErrPlanInvalid = "ERR_PLAN_INVALID";   // malformed plan (a bug or a hostile plan file)
inline constexpr const char* kErrInputShape = "ERR_INPUT_SHAPE";     // input/output buffer sizes do not match
inline constexpr const char* kErrDisposed = "ERR_DISPOSED";          // model used after dispose()
inline constexpr const char* kErrOutOfMemory = "ERR_OUT_OF_MEMORY";  // arena or weight allocation failed
inline constexpr const char* kErrPlanFile = "ERR_PLAN_FILE";         // saved plan file corrupt/unreadable
inline constexpr const char* kErrImageTooLarge = "ERR_IMAGE_TOO_LARGE"; // image beyond the size guards
inline constexpr const char* kErrInvalidOption = "ERR_INVALID_OPTION"; // a compile option this build/CPU cannot honour
inline constexpr const char* kErrCudaUnavailable = "ERR_CUDA_UNAVAILABLE"; // no driver, no device, device too old
inline constexpr const char* kErrCudaOom = "ERR_CUDA_OOM";                 // device or pinned memory exhausted (not sticky)
inline constexpr const char* kErrCudaLost = "ERR_CUDA_LOST";               // sticky device error: that model is unusable
inline constexpr const char* kErrInternal = "ERR_INTERNAL";          // anything else

}  // namespace effnet
