// The thread that runs inferences off the JS threads. One per process: each run already spreads
// over the core's thread pool, so running two models' batches at once would only oversubscribe the
// cores. Every JS environment (the main thread, each worker thread) that loads the addon gets an
// EnvQueue: its jobs go through the one executor, and their results come back to that env's thread.
//
// Lifetimes, the part that must hold whatever the process does:
// - A Job owns everything compute() reads or writes (a copy of the input, its own output buffers,
//   a reference to the model), never memory of a JS heap: a worker's ArrayBuffers die with it.
// - EnvQueue::close() runs on the env's own thread, from its cleanup hook (env teardown, e.g.
//   worker.terminate()) and from its process 'exit' event (process.exit() skips cleanup hooks on
//   the main thread): it drops the env's queued jobs and waits for its running one (at most one
//   run), so no job outlives its env or calls into it.
// - The Executor is never destroyed: exit() runs static destructors while other threads may still
//   be alive, and a destroyed std::thread that is joinable calls std::terminate. An atexit handler
//   stops it instead: jobs still queued are abandoned (their envs are gone), the running one
//   finishes its kernels, and the thread is joined before any later static destructor runs.
#pragma once
#include <napi.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace effnet::binding {

// One unit of work. compute() runs on the executor thread and touches nothing of JS; the job is
// created, settled and destroyed on its env's JS thread (or abandoned, see below).
class Job {
 public:
  virtual ~Job() = default;
  virtual void compute() noexcept = 0;
  // On the env's thread, the env alive: resolve or reject the promise.
  virtual void settle(Napi::Env env) = 0;
  // The env is gone: its JS handles can no longer be released, only forgotten.
  virtual void abandon() noexcept = 0;
};

class Executor;
template <class T>
class Immortal;

// The jobs of one JS environment. Created on the env's thread at module load.
class EnvQueue {
 public:
  explicit EnvQueue(Napi::Env env);
  EnvQueue(const EnvQueue&) = delete;
  EnvQueue& operator=(const EnvQueue&) = delete;

  // True once close() ran: new jobs are refused.
  bool closed();
  // Queues a job (JS thread). Jobs of a closed queue are destroyed unrun.
  void submit(std::unique_ptr<Job> job);
  // Drops the queued jobs, waits for the running one and releases the way back to JS (JS thread;
  // idempotent).
  void close();

 private:
  friend class Executor;
  static void deliver(Napi::Env env, Napi::Function, EnvQueue* queue, Job* job);
  using Delivery = Napi::TypedThreadSafeFunction<EnvQueue, Job, deliver>;
  // Executor thread, executor mutex held: hands a finished job back to this env.
  void finish_locked(std::unique_ptr<Job> job);

  Napi::Env env_;
  Delivery delivery_;
  int64_t pending_ = 0;  // JS thread only: submitted, not yet settled (the delivery is ref'd while > 0)
  // Guarded by the executor's mutex.
  bool closed_ = false;
  std::vector<std::unique_ptr<Job>> returned_;  // finished after close() began, or undeliverable
};

class Executor {
 public:
  static Executor& instance();

 private:
  friend class EnvQueue;
  friend class Immortal<Executor>;
  struct Entry {
    EnvQueue* owner;  // valid while the entry exists: close() removes its entries before it returns
    std::unique_ptr<Job> job;
  };
  Executor();
  void loop();
  void stop_at_exit();

  std::mutex mutex_;
  std::condition_variable wake_;      // work queued, or exiting
  std::condition_variable finished_;  // the running job finished
  std::deque<Entry> queue_;
  EnvQueue* running_ = nullptr;  // owner of the job being computed
  bool exiting_ = false;
  std::thread thread_;
};

}  // namespace effnet::binding
