#include "tools/synthetic_plan.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "core/prng.h"
#include "effnet/error.h"
#include "test/padding.h"

namespace effnet {
namespace {

struct ArchBlock { int32_t k, stride, expand, cin, cout, se; };
struct ArchNetwork { const char* name; int32_t resolution, stem, head; const ArchBlock* blocks; int32_t n_blocks; };
#include "test/arch_table.inc"

const ArchNetwork& network(const std::string& name) {
  for (const ArchNetwork& n : kArchNetworks) {
    if (name == n.name) return n;
  }
  throw Error(kErrInvalidOption, "unknown synthetic network '" + name + "' (expected one of b0..b7, tiny)");
}

class Builder {
 public:
  Builder(const SyntheticOptions& o) : o_(o), rng_(o.seed) {}
  int32_t value(int32_t h, int32_t w, int32_t c) {
    plan.values.push_back({h, w, c});
    return int32_t(plan.values.size()) - 1;
  }
  void weights(OpDesc& op, int64_t n, int64_t fan_in) {
    const float s = 1.7f / std::sqrt(float(fan_in));
    op.weight.resize(size_t(n));
    for (float& f : op.weight) f = rng_.uniform(-s, s);
  }
  void bias(std::vector<float>& b, int64_t n) {
    b.resize(size_t(n));
    for (float& f : b) f = rng_.uniform(-0.2f, 0.2f);
  }
  std::array<int32_t, 4> pads(int32_t h, int32_t w, int32_t k, int32_t s) const {
    const auto ph = pad_pair(h, k, s, o_.tf_same), pw = pad_pair(w, k, s, o_.tf_same);
    return {ph.first, pw.first, ph.second, pw.second};
  }
  int32_t windowed(OpKind kind, int32_t x, int32_t cout, int32_t k, int32_t s, int32_t* sums) {
    const ValueDesc in = plan.values[size_t(x)];
    OpDesc op;
    op.kind = kind;
    op.k = k;
    op.stride = s;
    op.pad = pads(in.h, in.w, k, s);
    op.act = Act::swish;
    const int32_t ho = (in.h + op.pad[0] + op.pad[2] - k) / s + 1, wo = (in.w + op.pad[1] + op.pad[3] - k) / s + 1;
    op.x = x;
    op.y = value(ho, wo, cout);
    if (kind == OpKind::dwconv_bn_act) {
      weights(op, int64_t(cout) * k * k, k * k);
      op.sums = *sums = value(1, 1, cout);
    } else {
      weights(op, int64_t(cout) * in.c * k * k, int64_t(in.c) * k * k);
    }
    bias(op.bias, cout);
    plan.ops.push_back(op);
    return op.y;
  }
  int32_t pointwise(int32_t x, int32_t cout, Act act, int32_t gate, int32_t residual) {
    const ValueDesc in = plan.values[size_t(x)];
    OpDesc op;
    op.kind = OpKind::pwconv_bn_act;
    op.x = x;
    op.y = value(in.h, in.w, cout);
    op.act = act;
    op.gate = gate;
    op.residual = residual;
    weights(op, int64_t(cout) * in.c, in.c);
    bias(op.bias, cout);
    plan.ops.push_back(op);
    return op.y;
  }
  int32_t se_gate(int32_t sums, int32_t spatial, int32_t cr) {
    const int32_t c = plan.values[size_t(sums)].c;
    OpDesc op;
    op.kind = OpKind::se_gate;
    op.x = sums;
    op.y = value(1, 1, c);
    op.spatial = spatial;
    weights(op, int64_t(cr) * c, c);
    bias(op.bias, cr);
    OpDesc tmp;
    weights(tmp, int64_t(c) * cr, cr);
    op.weight2 = std::move(tmp.weight);
    bias(op.bias2, c);
    for (float& b : op.bias2) b += 1.0f;  // gates mostly open, like trained SE
    plan.ops.push_back(op);
    return op.y;
  }

  Plan plan;

 private:
  const SyntheticOptions& o_;
  Prng rng_;
};

}  // namespace

std::vector<std::string> synthetic_networks() {
  std::vector<std::string> out;
  for (const ArchNetwork& n : kArchNetworks) out.push_back(n.name);
  return out;
}

Plan make_synthetic_plan(const SyntheticOptions& o) {
  const ArchNetwork& net = network(o.network);
  const int32_t resolution = o.resolution > 0 ? o.resolution : net.resolution;
  Builder b(o);
  b.plan.input = b.value(resolution, resolution, 3);
  int32_t sums = -1;
  int32_t x = b.windowed(OpKind::conv_bn_act, b.plan.input, net.stem, 3, 2, &sums);
  for (int32_t i = 0; i < net.n_blocks; ++i) {
    const ArchBlock& blk = net.blocks[i];
    int32_t h = blk.expand != 1 ? b.pointwise(x, blk.cin * blk.expand, Act::swish, -1, -1) : x;
    h = b.windowed(OpKind::dwconv_bn_act, h, b.plan.values[size_t(h)].c, blk.k, blk.stride, &sums);
    const ValueDesc& map = b.plan.values[size_t(h)];
    const int32_t gate = b.se_gate(sums, map.h * map.w, blk.se);
    const int32_t residual = blk.stride == 1 && blk.cin == blk.cout ? x : -1;
    x = b.pointwise(h, blk.cout, Act::none, gate, residual);
  }
  const ValueDesc last = b.plan.values[size_t(x)];
  const int32_t head = net.head;
  OpDesc hp;
  hp.kind = OpKind::head_pool;
  hp.act = Act::swish;
  hp.x = x;
  hp.y = b.value(1, 1, head);
  if (o.head_map) hp.map = b.value(last.h, last.w, head);
  b.weights(hp, int64_t(head) * last.c, last.c);
  b.bias(hp.bias, head);
  b.plan.ops.push_back(hp);
  OpDesc fc;
  fc.kind = OpKind::linear;
  fc.x = hp.y;
  fc.y = b.value(1, 1, o.classes);
  b.weights(fc, int64_t(o.classes) * head, head);
  b.bias(fc.bias, o.classes);
  b.plan.ops.push_back(fc);
  b.plan.outputs = {fc.y, hp.y};
  if (o.head_map) b.plan.outputs.push_back(hp.map);
  return b.plan;
}

}  // namespace effnet
