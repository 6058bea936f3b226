// Storage for an object that is constructed on first use and never destroyed: for process-wide
// objects that other threads may still use while exit() runs static destructors.
#pragma once
#include <new>

namespace effnet::binding {

template <class T>
class Immortal {
 public:
  Immortal() { ::new (static_cast<void*>(storage_)) T(); }
  Immortal(const Immortal&) = delete;
  Immortal& operator=(const Immortal&) = delete;
  T& get() { return *std::launder(reinterpret_cast<T*>(storage_)); }

 private:
  alignas(T) unsigned char storage_[sizeof(T)];
};

}  // namespace effnet::binding
