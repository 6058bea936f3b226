// The thread that runs inferences off the JS thread. One per process: each run already spreads
// over the core's thread pool, so running two models' batches at once would only oversubscribe the
// cores. Jobs are plain closures; results go back to JS through a thread-safe function per job.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace effnet::binding {

class Executor {
 public:
  static Executor& instance();
  void post(std::function<void()> job);
  // Called from each env's cleanup hook: the last env to go stops and joins the thread, so no
  // thread is left running while the process exits.
  void retain();
  void release();

 private:
  void loop();
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::thread thread_;
  int users_ = 0;
  bool stopping_ = false;
};

}  // namespace effnet::binding
