// A tiny deterministic PRNG (splitmix64) for test inputs and synthetic weights: the same seed gives
// the same numbers on every machine and compiler, so failures can be reproduced from a printed seed.
#pragma once
#include <cstdint>
#include <string>

namespace effnet {

class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi), from the top 24 bits (exact in float).
  float uniform(float lo, float hi) { return lo + (hi - lo) * float(next() >> 40) * (1.0f / 16777216.0f); }

 private:
  uint64_t state_;
};

// FNV-1a of a string: the seed of an op case is derived from its id.
inline uint64_t seed_from_string(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
  return h;
}

}  // namespace effnet
