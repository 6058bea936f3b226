// A 64-byte aligned float buffer (RAII). Used for packed weights and arenas: 64 bytes is one cache
// line and one AVX-512 vector, so every value and packed block can start on a vector boundary.
#pragma once
#include <cstdint>
#include <cstdlib>
#ifdef _WIN32
#include <malloc.h>
#endif
#include <memory>
#include <new>

namespace effnet {

inline constexpr int64_t kAlignBytes = 64;
inline constexpr int64_t kAlignFloats = kAlignBytes / int64_t(sizeof(float));

inline int64_t align_floats(int64_t n) { return (n + kAlignFloats - 1) / kAlignFloats * kAlignFloats; }

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  // Throws std::bad_alloc when the memory is not there (callers turn it into kErrOutOfMemory).
  explicit AlignedBuffer(int64_t floats) : size_(floats) {
    if (floats <= 0) return;
    if (floats > (int64_t(1) << 60) / int64_t(sizeof(float))) throw std::bad_alloc();
    const size_t bytes = size_t(align_floats(floats)) * sizeof(float);
    void* p = aligned_alloc_bytes(bytes);
    if (p == nullptr) throw std::bad_alloc();
    data_.reset(static_cast<float*>(p));
  }
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  int64_t size() const { return size_; }

 private:
  // Windows' C runtime has no aligned_alloc (its free cannot release over-aligned blocks), so the
  // MinGW build uses the _aligned_malloc/_aligned_free pair instead.
  static void* aligned_alloc_bytes(size_t bytes) {
#ifdef _WIN32
    return _aligned_malloc(bytes, size_t(kAlignBytes));
#else
    return std::aligned_alloc(size_t(kAlignBytes), bytes);
#endif
  }
  struct Free {
#ifdef _WIN32
    void operator()(float* p) const noexcept { _aligned_free(p); }
#else
    void operator()(float* p) const noexcept { std::free(p); }
#endif
  };
  std::unique_ptr<float, Free> data_;
  int64_t size_ = 0;
};

}  // namespace effnet
