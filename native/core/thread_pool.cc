#include "core/thread_pool.h"

#include <algorithm>

namespace effnet {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// A worker spins this many rounds for the next job before sleeping (~90 us on a Zen 5): ops in a
// run follow each other within microseconds, and a condition-variable wake costs more than a short
// spin. What spinning through the pause between runs would buy and cost: bench/RESULTS.md,
// "Measurements behind native constants".
constexpr int kSpinRounds = 4000;

}  // namespace

ThreadPool& ThreadPool::instance() {
  static ThreadPool pool(std::max(1, int32_t(std::thread::hardware_concurrency())) - 1);
  return pool;
}

ThreadPool::ThreadPool(int32_t workers) {
  workers_.reserve(size_t(workers));
  for (int32_t i = 0; i < workers; ++i) workers_.emplace_back([this, i] { worker_loop(i + 1); });
}

ThreadPool::~ThreadPool() {
#ifdef _WIN32
  // In a DLL this runs at process exit under the loader lock, after Windows has already ended
  // every other thread: joining them would wait forever, and so would waking them (a condition
  // variable's broadcast waits for waiters that no longer exist). They are only let go.
  for (auto& t : workers_) t.detach();
#else
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
#endif
}

void ThreadPool::work(Job& job, int32_t thread) {
  const int32_t home = thread % job.ranges;
  for (int32_t i = 0; i < job.ranges; ++i) {
    Range& r = job.range[(home + i) % job.ranges];
    for (;;) {
      const int64_t task = r.next.fetch_add(1, std::memory_order_relaxed);
      if (task >= r.end) break;
      job.fn(job.ctx, task, thread);
    }
  }
}

void ThreadPool::unlink_locked(Job* job) {
  if (!job->queued) return;
  Job** p = &head_;
  Job* prev = nullptr;
  while (*p != job) {
    prev = *p;
    p = &(*p)->link;
  }
  *p = job->link;
  if (tail_ == job) tail_ = prev;
  job->link = nullptr;
  job->queued = false;
  queued_.fetch_sub(1, std::memory_order_relaxed);
}

void ThreadPool::run(int64_t n_tasks, int32_t max_threads, void* ctx, TaskFn fn) {
  if (n_tasks <= 0) return;
  const int64_t helpers = std::min<int64_t>({int64_t(max_threads) - 1, n_tasks - 1, int64_t(workers_.size())});
  if (helpers <= 0) {
    for (int64_t t = 0; t < n_tasks; ++t) fn(ctx, t, 0);
    return;
  }
  Job job;
  job.fn = fn;
  job.ctx = ctx;
  job.helpers_wanted = int32_t(helpers);
  job.ranges = int32_t(std::min<int64_t>(helpers + 1, kMaxRanges));
  for (int32_t i = 0; i < job.ranges; ++i) {
    job.range[i].next.store(n_tasks * i / job.ranges, std::memory_order_relaxed);
    job.range[i].end = n_tasks * (i + 1) / job.ranges;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job.queued = true;
    if (tail_ != nullptr) tail_->link = &job; else head_ = &job;
    tail_ = &job;
    queued_.fetch_add(1, std::memory_order_release);
  }
  if (helpers == 1) wake_.notify_one(); else wake_.notify_all();
  work(job, 0);
  {
    // No worker can join once the job is out of the list; then wait for those that joined.
    std::lock_guard<std::mutex> lock(mutex_);
    unlink_locked(&job);
  }
  while (job.active.load(std::memory_order_acquire) != 0) cpu_relax();
}

int32_t take_thread_index(uint64_t& taken, int32_t helpers, int32_t joined, int32_t slot) {
  if (helpers >= 64) return joined;
  int32_t index = slot;
  if (slot > helpers || ((taken >> slot) & 1) != 0) {
    index = 1;
    while (((taken >> index) & 1) != 0) ++index;
  }
  taken |= uint64_t(1) << index;
  return index;
}

void ThreadPool::worker_loop(int32_t slot) {
  for (;;) {
    for (int i = 0; i < kSpinRounds && queued_.load(std::memory_order_acquire) == 0; ++i) cpu_relax();
    Job* job = nullptr;
    int32_t thread = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || head_ != nullptr; });
      if (head_ == nullptr) return;  // stop_ and nothing left to help with
      job = head_;
      ++job->joined;
      thread = take_thread_index(job->taken, job->helpers_wanted, job->joined, slot);
      job->active.fetch_add(1, std::memory_order_relaxed);
      if (job->joined >= job->helpers_wanted) unlink_locked(job);
    }
    work(*job, thread);
    job->active.fetch_sub(1, std::memory_order_release);  // the job may be gone after this
  }
}

}  // namespace effnet
