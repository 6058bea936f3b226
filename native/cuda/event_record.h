// How the CUDA model records its timing events, as a function of whether the stream is capturing.
// Host-only and CUDA-free, so a CPU-only test can check the choice (cuda_host_test).
//
// cudaEventRecordExternal is only valid while the stream is being captured (it makes the record a
// node of the graph, so every replay records the event); on an eager stream CUDA returns
// cudaErrorInvalidValue for it. So: plain cudaEventRecord when eager (the first run at a batch
// size, and every run of a batch size whose capture failed), the external flag only in capture().
#pragma once

namespace effnet {
namespace cuda {

enum class EventRecordMode { plain, external_node };

constexpr EventRecordMode event_record_mode(bool capturing) {
  return capturing ? EventRecordMode::external_node : EventRecordMode::plain;
}

}  // namespace cuda
}  // namespace effnet
