// The plan file: little-endian, versioned, self-checking (a 64-bit FNV-1a of everything before it).
//
//   "EFFNPLAN" u32 version=1 u32 reserved=0
//   i32 input  u32 n_values  u32 n_ops  u32 n_outputs
//   n_values x { i32 h, w, c }
//   n_outputs x i32
//   n_ops x { i32 kind, x, y, sums, map, gate, residual, k, stride, pad[4], act, spatial,
//             4 x { u64 count, count x f32 } (weight, bias, weight2, bias2) }
//   u64 fnv1a64(all bytes above)
//
// load_plan reads the file into memory once and checks every count against the bytes that remain
// BEFORE allocating, so a truncated or hostile file can never make it allocate more than the file
// size; then it runs validate_plan. Everything malformed becomes Error(kErrPlanFile).
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "core/plan_check.h"
#include "effnet/error.h"
#include "effnet/plan.h"

namespace effnet {
namespace {

constexpr char kMagic[8] = {'E', 'F', 'F', 'N', 'P', 'L', 'A', 'N'};
constexpr uint32_t kVersion = 1;
constexpr int64_t kMaxFileBytes = int64_t(1) << 34;  // 16 GiB: far above B7 (~270 MB of weights)

uint64_t fnv1a64(const unsigned char* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

class Writer {
 public:
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_.push_back(char((v >> (8 * i)) & 0xff));
  }
  void i32(int32_t v) { u32(uint32_t(v)); }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes_.push_back(char((v >> (8 * i)) & 0xff));
  }
  void floats(const std::vector<float>& v) {
    u64(v.size());
    for (float f : v) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      u32(bits);
    }
  }
  void raw(const char* p, size_t n) { bytes_.append(p, n); }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

class Reader {
 public:
  Reader(const std::string& bytes, const std::string& path) : bytes_(bytes), path_(path) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(kErrPlanFile, "plan file " + path_ + ": " + what + " (at byte " + std::to_string(pos_) + ")");
  }
  size_t remaining() const { return end_ - pos_; }
  void set_end(size_t end) { end_ = end; }
  void need(size_t n, const char* what) const {
    if (n > remaining()) fail(std::string("truncated while reading ") + what);
  }
  uint32_t u32(const char* what) {
    need(4, what);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(bytes_[pos_ + i])) << (8 * i);
    pos_ += 4;
    return v;
  }
  int32_t i32(const char* what) { return int32_t(u32(what)); }
  uint64_t u64(const char* what) {
    need(8, what);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(uint8_t(bytes_[pos_ + i])) << (8 * i);
    pos_ += 8;
    return v;
  }
  // A count of `unit`-byte records: rejected unless that many records fit in what is left.
  uint64_t count(const char* what, size_t unit) {
    const uint64_t n = u64(what);
    if (n > remaining() / unit) fail(std::string(what) + " count " + std::to_string(n) + " exceeds the file size");
    return n;
  }
  std::vector<float> floats(const char* what) {
    const uint64_t n = count(what, 4);
    std::vector<float> v(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) {
      const uint32_t bits = u32(what);
      std::memcpy(&v[size_t(i)], &bits, 4);
    }
    return v;
  }
  bool match(const char* p, size_t n) {
    need(n, "magic");
    const bool ok = std::memcmp(bytes_.data() + pos_, p, n) == 0;
    pos_ += n;
    return ok;
  }

 private:
  const std::string& bytes_;
  const std::string& path_;
  size_t pos_ = 0;
  size_t end_ = 0;
};

constexpr size_t kOpFixedBytes = 15 * 4 + 4 * 8;  // the 15 i32 fields plus the four float counts

}  // namespace

void save_plan(const Plan& plan, const std::string& path) {
  Writer w;
  w.raw(kMagic, sizeof(kMagic));
  w.u32(kVersion);
  w.u32(0);
  w.i32(plan.input);
  w.u32(uint32_t(plan.values.size()));
  w.u32(uint32_t(plan.ops.size()));
  w.u32(uint32_t(plan.outputs.size()));
  for (const ValueDesc& v : plan.values) {
    w.i32(v.h);
    w.i32(v.w);
    w.i32(v.c);
  }
  for (int32_t o : plan.outputs) w.i32(o);
  for (const OpDesc& op : plan.ops) {
    for (int32_t f : {int32_t(op.kind), op.x, op.y, op.sums, op.map, op.gate, op.residual, op.k, op.stride,
                      op.pad[0], op.pad[1], op.pad[2], op.pad[3], int32_t(op.act), op.spatial}) {
      w.i32(f);
    }
    w.floats(op.weight);
    w.floats(op.bias);
    w.floats(op.weight2);
    w.floats(op.bias2);
  }
  std::string& bytes = w.bytes();
  const uint64_t sum = fnv1a64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  w.u64(sum);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error(kErrPlanFile, "cannot open " + path + " for writing");
  f.write(bytes.data(), std::streamsize(bytes.size()));
  f.close();
  if (!f) throw Error(kErrPlanFile, "writing " + path + " failed");
}

Plan load_plan(const std::string& path) {
  std::string bytes;
  {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) throw Error(kErrPlanFile, "cannot open plan file " + path);
    const std::streamoff size = f.tellg();
    if (size < 0 || size > kMaxFileBytes) throw Error(kErrPlanFile, "plan file " + path + " has an unusable size");
    bytes.resize(size_t(size));
    f.seekg(0);
    if (!f.read(&bytes[0], size)) throw Error(kErrPlanFile, "reading plan file " + path + " failed");
  }
  Reader r(bytes, path);
  r.set_end(bytes.size());
  if (!r.match(kMagic, sizeof(kMagic))) r.fail("not a plan file (bad magic)");
  const uint32_t version = r.u32("version");
  if (version != kVersion) r.fail("version " + std::to_string(version) + " is not supported (expected 1)");
  r.u32("reserved");
  if (bytes.size() < 8 + 8 + 16 + 8) r.fail("truncated");
  {
    const size_t body = bytes.size() - 8;
    uint64_t stored = 0;
    for (int i = 0; i < 8; ++i) stored |= uint64_t(uint8_t(bytes[body + i])) << (8 * i);
    if (stored != fnv1a64(reinterpret_cast<const unsigned char*>(bytes.data()), body)) {
      r.fail("checksum mismatch (corrupt or truncated file)");
    }
    r.set_end(body);
  }
  Plan plan;
  plan.input = r.i32("input");
  const uint32_t n_values = r.u32("value count");
  const uint32_t n_ops = r.u32("op count");
  const uint32_t n_outputs = r.u32("output count");
  if (n_values > uint32_t(kMaxValues) || n_ops > uint32_t(kMaxOps)) r.fail("too many values or ops");
  if (uint64_t(n_values) * 12 + uint64_t(n_outputs) * 4 + uint64_t(n_ops) * kOpFixedBytes > r.remaining()) {
    r.fail("counts exceed the file size");
  }
  plan.values.resize(n_values);
  for (ValueDesc& v : plan.values) {
    v.h = r.i32("value");
    v.w = r.i32("value");
    v.c = r.i32("value");
  }
  plan.outputs.resize(n_outputs);
  for (int32_t& o : plan.outputs) o = r.i32("outputs");
  plan.ops.resize(n_ops);
  for (OpDesc& op : plan.ops) {
    const int32_t kind = r.i32("op");
    if (kind < 0 || kind >= kOpKindCount) r.fail("op kind " + std::to_string(kind) + " is unknown");
    op.kind = OpKind(kind);
    for (int32_t* f : {&op.x, &op.y, &op.sums, &op.map, &op.gate, &op.residual, &op.k, &op.stride, &op.pad[0],
                       &op.pad[1], &op.pad[2], &op.pad[3]}) {
      *f = r.i32("op");
    }
    const int32_t act = r.i32("op");
    if (act != 0 && act != 1) r.fail("activation " + std::to_string(act) + " is unknown");
    op.act = Act(act);
    op.spatial = r.i32("op");
    op.weight = r.floats("weight");
    op.bias = r.floats("bias");
    op.weight2 = r.floats("weight2");
    op.bias2 = r.floats("bias2");
  }
  if (r.remaining() != 0) r.fail(std::to_string(r.remaining()) + " unexpected trailing bytes");
  try {
    validate_plan(plan);
  } catch (const Error& e) {
    throw Error(kErrPlanFile, "plan file " + path + " holds an invalid plan: " + e.what());
  }
  return plan;
}

}  // namespace effnet
