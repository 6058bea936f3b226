// RAII owners for every CUDA resource the backend holds: device memory, pinned host memory,
// streams, events, graphs. The only cudaFree / cudaFreeHost / ...Destroy calls are in these
// destructors; they ignore errors (a destructor must not throw, and after a sticky error the
// context is gone anyway). Move-only. Allocation failures throw through EFFNET_CUDA_CHECK, so a
// cudaErrorMemoryAllocation arrives as ERR_CUDA_OOM with the failing call and size.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>
#include <utility>

#include "cuda/cuda_check.h"

namespace effnet {
namespace cuda {

// A handle with a deleter; the base of the owners below.
template <typename H, cudaError_t (*Destroy)(H)>
class Owned {
 public:
  Owned() = default;
  explicit Owned(H h) : h_(h) {}
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  Owned(Owned&& o) noexcept : h_(std::exchange(o.h_, H{})) {}
  Owned& operator=(Owned&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, H{});
    }
    return *this;
  }
  ~Owned() { reset(); }
  H get() const { return h_; }
  explicit operator bool() const { return h_ != H{}; }
  void reset() {
    if (h_ != H{}) (void)Destroy(h_);
    h_ = H{};
  }

 private:
  H h_{};
};

// A block of memory from one CUDA allocator (device or page-locked host), freed by its partner.
template <cudaError_t (*Alloc)(void**, size_t), cudaError_t (*Free)(void*), const char* kAllocName>
class CudaMemory {
 public:
  CudaMemory() = default;
  explicit CudaMemory(size_t bytes) : bytes_(bytes) {
    if (bytes == 0) return;
    void* p = nullptr;
    check(Alloc(&p, bytes), (std::string(kAllocName) + "(" + std::to_string(bytes) + " bytes)").c_str(), __FILE__,
          __LINE__);
    mem_ = Mem(p);
  }
  void* get() const { return mem_.get(); }
  template <typename T>
  T* as() const { return static_cast<T*>(mem_.get()); }
  size_t bytes() const { return bytes_; }

 private:
  using Mem = Owned<void*, Free>;
  Mem mem_;
  size_t bytes_ = 0;
};

inline cudaError_t device_malloc(void** p, size_t bytes) { return cudaMalloc(p, bytes); }
inline cudaError_t host_malloc(void** p, size_t bytes) { return cudaMallocHost(p, bytes); }
inline constexpr char kCudaMalloc[] = "cudaMalloc";
inline constexpr char kCudaMallocHost[] = "cudaMallocHost";

using DeviceBuffer = CudaMemory<device_malloc, cudaFree, kCudaMalloc>;
// Page-locked host memory: the only kind of host memory a captured graph may copy to and from,
// and the one that makes cudaMemcpyAsync truly asynchronous.
using PinnedBuffer = CudaMemory<host_malloc, cudaFreeHost, kCudaMallocHost>;

class Stream : public Owned<cudaStream_t, cudaStreamDestroy> {
 public:
  Stream() = default;
  static Stream create() {
    cudaStream_t s = nullptr;
    // Non-blocking: no implicit synchronization with the legacy default stream other code may use.
    EFFNET_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    return Stream(s);
  }

 private:
  explicit Stream(cudaStream_t s) : Owned(s) {}
};

class Event : public Owned<cudaEvent_t, cudaEventDestroy> {
 public:
  Event() = default;
  static Event create() {
    cudaEvent_t e = nullptr;
    EFFNET_CUDA_CHECK(cudaEventCreate(&e));
    return Event(e);
  }

 private:
  explicit Event(cudaEvent_t e) : Owned(e) {}
};

// A captured graph and its executable instance.
using Graph = Owned<cudaGraph_t, cudaGraphDestroy>;
using GraphExec = Owned<cudaGraphExec_t, cudaGraphExecDestroy>;

}  // namespace cuda
}  // namespace effnet
