#include "binding/executor.h"

namespace effnet::binding {

Executor& Executor::instance() {
  static Executor executor;
  return executor;
}

void Executor::retain() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (users_++ == 0 && !thread_.joinable()) {
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
  }
}

void Executor::release() {
  std::thread finished;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--users_ > 0) return;
    stopping_ = true;
    finished = std::move(thread_);
  }
  cv_.notify_all();
  if (finished.joinable()) finished.join();
}

void Executor::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Executor::loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Jobs still queued at shutdown are run, not dropped: each one owns a thread-safe function
      // that must be released, and its promise's env is going away anyway.
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace effnet::binding
