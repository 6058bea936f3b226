#include "binding/executor.h"

#include <cstdlib>
#include <utility>

#include "binding/immortal.h"
#include "core/thread_pool.h"

namespace effnet::binding {
namespace {

// At exit a job's env is gone: its handles are neither released nor its memory freed (the process
// is ending; freeing would run destructors that call into a dead env).
void forget(std::unique_ptr<Job> job) { job.release()->abandon(); }

}  // namespace

Executor& Executor::instance() {
  static Immortal<Executor> executor;
  return executor.get();
}

Executor::Executor() {
  // The core's pool is created first so that its static destructor runs after stop_at_exit(): a
  // running job may still be using it when exit() begins.
  ThreadPool::instance();
#ifndef _WIN32
  // Not on Windows: there a DLL's atexit functions run when it is unloaded, under the loader lock,
  // after ExitProcess has already ended every other thread, so no job can be running; and waking
  // or joining a thread that was ended inside a condition-variable wait blocks forever.
  std::atexit([] { instance().stop_at_exit(); });
#endif
  thread_ = std::thread([this] { loop(); });
}

void Executor::stop_at_exit() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    exiting_ = true;
    for (auto& entry : queue_) forget(std::move(entry.job));
    queue_.clear();
    thread = std::move(thread_);
  }
  wake_.notify_all();
  if (!thread.joinable()) return;
  if (thread.get_id() == std::this_thread::get_id()) {
    thread.detach();  // exit() called from a kernel: nothing is left to wait for
  } else {
    thread.join();  // waits for a running job to finish its kernels (at most one run)
  }
}

void Executor::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return exiting_ || !queue_.empty(); });
    if (exiting_) return;
    Entry entry = std::move(queue_.front());
    queue_.pop_front();
    running_ = entry.owner;
    lock.unlock();
    entry.job->compute();
    lock.lock();
    running_ = nullptr;
    if (exiting_) {
      forget(std::move(entry.job));
    } else {
      entry.owner->finish_locked(std::move(entry.job));
    }
    finished_.notify_all();
  }
}

EnvQueue::EnvQueue(Napi::Env env)
    : env_(env), delivery_(Delivery::New(env, "efficientnet.run", 0, 1, this)) {
  // An idle model must not keep the event loop alive; submit() refs it while jobs are pending.
  delivery_.Unref(env);
}

bool EnvQueue::closed() {
  std::lock_guard<std::mutex> lock(Executor::instance().mutex_);
  return closed_;
}

void EnvQueue::submit(std::unique_ptr<Job> job) {
  Executor& executor = Executor::instance();
  {
    std::lock_guard<std::mutex> lock(executor.mutex_);
    if (closed_ || executor.exiting_) return;  // the job is destroyed here, on its own thread
    executor.queue_.push_back({this, std::move(job)});
  }
  executor.wake_.notify_one();
  if (pending_++ == 0) delivery_.Ref(env_);
}

void EnvQueue::finish_locked(std::unique_ptr<Job> job) {
  if (!closed_) {
    Job* raw = job.release();
    if (delivery_.NonBlockingCall(raw) == napi_ok) return;  // deliver() owns it now
    job.reset(raw);  // the delivery is closing with the env: close() will destroy the job
  }
  returned_.push_back(std::move(job));
}

void EnvQueue::deliver(Napi::Env env, Napi::Function, EnvQueue* queue, Job* raw) {
  std::unique_ptr<Job> job(raw);
  if (env == nullptr) {  // the delivery is being torn down with its env
    job->abandon();
    return;
  }
  if (--queue->pending_ == 0) queue->delivery_.Unref(env);
  try {
    job->settle(env);
  } catch (...) {
    // Only a terminating env refuses to settle a promise, and nothing can observe it any more. An
    // exception must not leave this callback: it would reach std::terminate.
  }
}

void EnvQueue::close() {
  std::vector<std::unique_ptr<Job>> dropped;
  {
    Executor& executor = Executor::instance();
    std::unique_lock<std::mutex> lock(executor.mutex_);
    if (closed_) return;
    closed_ = true;
    for (auto it = executor.queue_.begin(); it != executor.queue_.end();) {
      if (it->owner == this) {
        dropped.push_back(std::move(it->job));
        it = executor.queue_.erase(it);
      } else {
        ++it;
      }
    }
    executor.finished_.wait(lock, [&] { return executor.running_ != this; });
    for (auto& job : returned_) dropped.push_back(std::move(job));
    returned_.clear();
  }
  dropped.clear();  // on this env's thread, the env still alive: handles are released properly
  delivery_.Release();
}

}  // namespace effnet::binding
