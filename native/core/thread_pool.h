// The core's own worker threads (not libuv's): one process-wide pool shared by every model, sized
// to the hardware, so two models running at once share the cores instead of oversubscribing them.
//
// parallel_for(n_tasks, max_threads, fn) runs fn(task, thread_index) for task in [0, n_tasks) on at
// most max_threads threads: the calling thread (thread_index 0) plus up to max_threads - 1 workers.
// No heap allocation per call: the job lives on the caller's stack, workers find it through an
// intrusive list, and fn is called through a plain function pointer + context (function_ref style).
// fn must not throw (kernels don't). Calls from several threads at once are fine (jobs queue FIFO);
// a task may itself call parallel_for.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace effnet {

class ThreadPool {
 public:
  static ThreadPool& instance();  // started on first use, joined at process exit
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads a job can use at most: the workers plus the calling thread.
  int32_t capacity() const { return int32_t(workers_.size()) + 1; }

  template <class F>
  void parallel_for(int64_t n_tasks, int32_t max_threads, F&& fn) {
    using Fn = std::remove_reference_t<F>;
    run(n_tasks, max_threads, const_cast<void*>(static_cast<const void*>(&fn)),
        [](void* ctx, int64_t task, int32_t thread) { (*static_cast<Fn*>(ctx))(task, thread); });
  }

 private:
  using TaskFn = void (*)(void* ctx, int64_t task, int32_t thread);
  // Tasks are cut into one contiguous range per thread the job asks for; thread i takes its own
  // range's tasks first, in order, then helps with the others' (taking from their fronts too), so
  // a thread that joins late or runs slow holds nobody up. Why ranges and not one shared counter:
  // consecutive ops cut their work the same way (rows, bands, images in order), so each thread
  // reads mostly what it wrote itself, from its own L2, instead of the other cores'
  // (bench/RESULTS.md, "threads keep their own rows"). For that to hold from one op to the next,
  // a worker takes the same thread index in every job when it can (take_thread_index).
  static constexpr int32_t kMaxRanges = 16;
  struct alignas(64) Range {
    std::atomic<int64_t> next{0};
    int64_t end = 0;
  };
  struct Job {
    TaskFn fn = nullptr;
    void* ctx = nullptr;
    int32_t helpers_wanted = 0;  // workers that may still join
    int32_t joined = 0;          // workers that joined (thread indices 1..helpers_wanted, one each)
    uint64_t taken = 1;          // thread indices in use (bit 0: the caller), when helpers_wanted < 64
    int32_t ranges = 1;          // thread i's own range is i % ranges
    Range range[kMaxRanges];
    std::atomic<int32_t> active{0};  // joined workers not yet finished with this job
    Job* link = nullptr;             // intrusive FIFO, guarded by mutex_
    bool queued = false;
  };

  explicit ThreadPool(int32_t workers);
  void run(int64_t n_tasks, int32_t max_threads, void* ctx, TaskFn fn);
  void worker_loop(int32_t slot);
  static void work(Job& job, int32_t thread);
  void unlink_locked(Job* job);

  std::mutex mutex_;
  std::condition_variable wake_;
  Job* head_ = nullptr;
  Job* tail_ = nullptr;
  std::atomic<int32_t> queued_{0};  // jobs in the list, read without the lock while spinning
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

// The thread index a worker takes on joining a job that wants `helpers` workers, `joined` of them
// counting this one, with `taken` the indices in use (bit 0: the caller): its own `slot` when the job
// has that index and nobody took it, else the lowest free one (fewer than `helpers` joined before,
// so one of 1..helpers is free). Which worker joins first varies from job to job; the index, and
// with it the worker's range of tasks, then does not. Past 63 helpers (the mask): join order.
int32_t take_thread_index(uint64_t& taken, int32_t helpers, int32_t joined, int32_t slot);

// Shorthand for ThreadPool::instance().parallel_for(...).
template <class F>
inline void parallel_for(int64_t n_tasks, int32_t max_threads, F&& fn) {
  ThreadPool::instance().parallel_for(n_tasks, max_threads, std::forward<F>(fn));
}

}  // namespace effnet
