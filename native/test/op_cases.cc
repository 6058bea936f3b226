#include "test/op_cases.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include "core/aligned_buffer.h"
#include "core/bf16.h"
#include "core/compiled_op.h"
#include "core/plan_check.h"
#include "core/prng.h"
#include "cpu/levels.h"
#include "test/padding.h"

namespace effnet {
namespace {

int32_t out_size(int32_t in, int32_t k, int32_t s, std::pair<int32_t, int32_t> p) {
  return (in + p.first + p.second - k) / s + 1;
}

std::string tag(const char* name, int64_t v) { return std::string("_") + name + std::to_string(v); }

void fill(std::vector<float>& v, size_t n, Prng& rng, float scale) {
  v.resize(n);
  for (float& f : v) f = rng.uniform(-scale, scale);
}

// Finishes a case: seed from the id, weights scaled by 1/sqrt(fan-in) so outputs stay O(1) and swish
// is exercised on both sides of zero.
OpCase finish(std::string id, int32_t batch, Plan plan, std::vector<int32_t> external) {
  OpCase c;
  c.id = std::move(id);
  c.seed = seed_from_string(c.id);
  c.batch = batch;
  Prng rng(c.seed);
  OpDesc& op = plan.ops[0];
  const ValueDesc& x = plan.values[size_t(op.x)];
  const ValueDesc& y = plan.values[size_t(op.y)];
  switch (op.kind) {
    case OpKind::conv_bn_act:
      fill(op.weight, size_t(y.c) * x.c * op.k * op.k, rng, 1.0f / std::sqrt(float(x.c * op.k * op.k)));
      fill(op.bias, size_t(y.c), rng, 0.5f);
      break;
    case OpKind::dwconv_bn_act:
      fill(op.weight, size_t(x.c) * op.k * op.k, rng, 1.0f / float(op.k));
      fill(op.bias, size_t(x.c), rng, 0.5f);
      break;
    case OpKind::se_gate: {
      const size_t cr = op.weight.size();  // set by the caller as a size marker
      fill(op.weight, cr * size_t(x.c), rng, 2.0f / std::sqrt(float(x.c)));
      fill(op.bias, cr, rng, 0.5f);
      fill(op.weight2, size_t(x.c) * cr, rng, 2.0f / std::sqrt(float(cr)));
      fill(op.bias2, size_t(x.c), rng, 0.5f);
      break;
    }
    default:
      fill(op.weight, size_t(y.c) * x.c, rng, 1.5f / std::sqrt(float(x.c)));
      fill(op.bias, size_t(y.c), rng, 0.5f);
      break;
  }
  c.plan = std::move(plan);
  c.external = std::move(external);
  return c;
}

Plan single(OpDesc op, std::vector<ValueDesc> values) {
  Plan p;
  p.values = std::move(values);
  p.input = 0;
  for (int32_t v : {op.y, op.sums, op.map}) {
    if (v >= 0) p.outputs.push_back(v);
  }
  p.ops.push_back(std::move(op));
  return p;
}

void add_windowed(std::vector<OpCase>& out, OpKind kind) {
  struct Shape { int32_t h, w, cin, cout; };
  const bool dw = kind == OpKind::dwconv_bn_act;
  const std::vector<Shape> shapes = dw ? std::vector<Shape>{{1, 1, 3, 3}, {7, 7, 17, 17}, {13, 17, 33, 33},
                                                            {17, 13, 61, 61}, {16, 16, 100, 100},
                                                            {12, 9, 40, 40}}
                                       : std::vector<Shape>{{7, 7, 3, 17}, {16, 16, 3, 32}, {13, 17, 5, 33}, {9, 12, 3, 24}};
  const std::pair<int32_t, int32_t> windows[] = {{3, 1}, {3, 2}, {5, 1}, {5, 2}};
  int variant = 0;
  for (const auto& ks : windows) {
    for (bool same : {false, true}) {
      for (const Shape& s : shapes) {
        const int32_t k = ks.first, st = ks.second;
        const auto ph = pad_pair(s.h, k, st, same), pw = pad_pair(s.w, k, st, same);
        const int32_t ho = out_size(s.h, k, st, ph), wo = out_size(s.w, k, st, pw);
        if (ho < 1 || wo < 1) continue;
        const int32_t batch = variant % 2 == 0 ? 1 : 3;
        const bool swish = variant % 4 < 2;
        const bool sums = dw && variant % 3 != 2;
        ++variant;
        OpDesc op;
        op.kind = kind;
        op.x = 0;
        op.y = 1;
        op.k = k;
        op.stride = st;
        op.pad = {ph.first, pw.first, ph.second, pw.second};
        op.act = swish ? Act::swish : Act::none;
        std::vector<ValueDesc> values = {{s.h, s.w, s.cin}, {ho, wo, s.cout}};
        if (sums) {
          op.sums = 2;
          values.push_back({1, 1, s.cout});
        }
        std::string id = std::string(op_name(kind)) + "/k" + std::to_string(k) + "_s" + std::to_string(st) +
                         (same ? "_same" : "_sym") + tag("h", s.h) + tag("w", s.w) +
                         (dw ? tag("c", s.cin) : tag("ci", s.cin) + tag("co", s.cout)) +
                         (swish ? "_swish" : "_none") + (sums ? "_sums" : "") + tag("b", batch);
        out.push_back(finish(std::move(id), batch, single(std::move(op), std::move(values)), {}));
      }
    }
  }
}

void add_se_gate(std::vector<OpCase>& out) {
  struct Shape { int32_t c, cr, spatial; };
  const Shape shapes[] = {{3, 1, 1}, {17, 4, 49}, {33, 8, 169}, {61, 5, 221}, {100, 25, 7}, {240, 10, 196}};
  int variant = 0;
  for (const Shape& s : shapes) {
    const int32_t batch = variant++ % 2 == 0 ? 1 : 3;
    OpDesc op;
    op.kind = OpKind::se_gate;
    op.x = 0;
    op.y = 1;
    op.spatial = s.spatial;
    op.weight.resize(size_t(s.cr));  // size marker for finish()
    std::string id = "se_gate/c" + std::to_string(s.c) + tag("cr", s.cr) + tag("spatial", s.spatial) + tag("b", batch);
    out.push_back(finish(std::move(id), batch, single(std::move(op), {{1, 1, s.c}, {1, 1, s.c}}), {}));
  }
}

void add_pwconv(std::vector<OpCase>& out) {
  const std::pair<int32_t, int32_t> hws[] = {{1, 1}, {7, 7}, {13, 17}};
  const std::pair<int32_t, int32_t> chans[] = {{3, 17}, {17, 33}, {33, 33}, {61, 100}, {100, 61}};
  struct Flags { bool gate, residual, swish; };
  const Flags flags[] = {{false, false, true}, {true, false, false}, {true, true, false}, {false, true, true}};
  int variant = 0;
  for (const auto& hw : hws) {
    for (const auto& ch : chans) {
      for (const Flags& f : flags) {
        const int32_t batch = variant++ % 2 == 0 ? 3 : 1;
        OpDesc op;
        op.kind = OpKind::pwconv_bn_act;
        op.x = 0;
        op.y = 1;
        op.act = f.swish ? Act::swish : Act::none;
        std::vector<ValueDesc> values = {{hw.first, hw.second, ch.first}, {hw.first, hw.second, ch.second}};
        std::vector<int32_t> external;
        if (f.gate) {
          op.gate = int32_t(values.size());
          values.push_back({1, 1, ch.first});
          external.push_back(op.gate);
        }
        if (f.residual) {
          op.residual = int32_t(values.size());
          values.push_back({hw.first, hw.second, ch.second});
          external.push_back(op.residual);
        }
        std::string id = "pwconv_bn_act/h" + std::to_string(hw.first) + tag("w", hw.second) + tag("ci", ch.first) +
                         tag("co", ch.second) + (f.gate ? "_gate" : "") + (f.residual ? "_res" : "") +
                         (f.swish ? "_swish" : "_none") + tag("b", batch);
        out.push_back(finish(std::move(id), batch, single(std::move(op), std::move(values)), std::move(external)));
      }
    }
  }
}

void add_head_pool(std::vector<OpCase>& out) {
  const std::pair<int32_t, int32_t> hws[] = {{1, 1}, {7, 7}, {13, 17}};
  const std::pair<int32_t, int32_t> chans[] = {{17, 33}, {61, 100}, {33, 1280}};
  int variant = 0;
  for (const auto& hw : hws) {
    for (const auto& ch : chans) {
      for (bool map : {false, true}) {
        const int32_t batch = variant++ % 2 == 0 ? 1 : 3;
        OpDesc op;
        op.kind = OpKind::head_pool;
        op.x = 0;
        op.y = 1;
        op.act = Act::swish;
        std::vector<ValueDesc> values = {{hw.first, hw.second, ch.first}, {1, 1, ch.second}};
        if (map) {
          op.map = 2;
          values.push_back({hw.first, hw.second, ch.second});
        }
        std::string id = "head_pool/h" + std::to_string(hw.first) + tag("w", hw.second) + tag("ci", ch.first) +
                         tag("co", ch.second) + (map ? "_map" : "") + tag("b", batch);
        out.push_back(finish(std::move(id), batch, single(std::move(op), std::move(values)), {}));
      }
    }
  }
}

void add_linear(std::vector<OpCase>& out) {
  const std::pair<int32_t, int32_t> chans[] = {{1, 1}, {17, 33}, {100, 61}, {1280, 1000}};
  for (const auto& ch : chans) {
    for (int32_t batch : {1, 3, 5}) {
      OpDesc op;
      op.kind = OpKind::linear;
      op.x = 0;
      op.y = 1;
      std::string id = "linear/ci" + std::to_string(ch.first) + tag("co", ch.second) + tag("b", batch);
      out.push_back(finish(std::move(id), batch, single(std::move(op), {{1, 1, ch.first}, {1, 1, ch.second}}), {}));
    }
  }
}

// Edge cases of the SIMD kernels (cpu/simd): channel counts around the vector widths (1, 7, 15, 17,
// 31, 33, 65, 100: masked tails, odd panel counts, partial channel blocks), GEMM rows that are not
// a multiple of any micro-tile height (1, 5, 9, 49, 50) with gated tiles spanning images at batch 3,
// K not a multiple of the vector width, different pads on all four sides (border pixels on every
// edge, interior pixel groups with tails, rows narrower than a group), k 1 and 7 (the runtime-k
// path), head_pool over more than one 64-row chunk.
void add_kernel_edges(std::vector<OpCase>& out) {
  struct Win { OpKind kind; int32_t h, w, cin, cout, k, s; std::array<int32_t, 4> pad; int32_t batch; };
  const Win wins[] = {
      {OpKind::dwconv_bn_act, 9, 11, 1, 1, 3, 1, {1, 2, 2, 1}, 3},
      {OpKind::dwconv_bn_act, 10, 13, 7, 7, 3, 2, {2, 1, 1, 2}, 1},
      {OpKind::dwconv_bn_act, 11, 14, 15, 15, 5, 1, {2, 3, 1, 2}, 3},
      {OpKind::dwconv_bn_act, 12, 9, 17, 17, 5, 2, {0, 2, 2, 0}, 1},
      {OpKind::dwconv_bn_act, 13, 19, 31, 31, 3, 1, {0, 0, 2, 2}, 3},
      {OpKind::dwconv_bn_act, 8, 21, 65, 65, 5, 1, {2, 2, 2, 2}, 1},
      {OpKind::dwconv_bn_act, 14, 10, 100, 100, 3, 2, {1, 1, 1, 1}, 3},
      {OpKind::dwconv_bn_act, 9, 12, 33, 33, 7, 1, {3, 2, 3, 4}, 1},
      {OpKind::dwconv_bn_act, 7, 10, 17, 17, 1, 1, {0, 0, 0, 0}, 3},
      {OpKind::dwconv_bn_act, 6, 3, 33, 33, 5, 1, {2, 2, 2, 2}, 1},   // one group, clipped left and right
      {OpKind::dwconv_bn_act, 5, 2, 20, 20, 3, 1, {1, 1, 1, 1}, 3},   // a row of 2
      // Row blocks (several output rows at once) with the weights past L1 (k*k*C*4 > 16 KiB), so
      // channel blocks along the rows; odd bands and border rows leave lone rows between blocks.
      {OpKind::dwconv_bn_act, 9, 11, 470, 470, 3, 1, {1, 1, 1, 1}, 1},
      {OpKind::dwconv_bn_act, 10, 13, 170, 170, 5, 1, {2, 2, 2, 2}, 3},
      {OpKind::dwconv_bn_act, 15, 9, 470, 470, 3, 2, {1, 1, 1, 1}, 1},
      {OpKind::dwconv_bn_act, 17, 14, 170, 170, 5, 2, {1, 2, 2, 1}, 3},
      {OpKind::conv_bn_act, 15, 17, 3, 1, 3, 2, {1, 1, 1, 1}, 3},
      {OpKind::conv_bn_act, 18, 13, 3, 7, 3, 2, {0, 0, 1, 1}, 1},
      {OpKind::conv_bn_act, 11, 21, 1, 15, 3, 1, {2, 1, 0, 2}, 3},
      {OpKind::conv_bn_act, 16, 19, 3, 31, 5, 2, {2, 2, 1, 2}, 1},
      {OpKind::conv_bn_act, 9, 22, 2, 33, 3, 2, {1, 0, 1, 1}, 3},
      {OpKind::conv_bn_act, 10, 10, 3, 100, 3, 1, {1, 1, 1, 1}, 1},
      // Output channels in one block of 3 or 4 vectors on AVX-512 (B3-B7 stems: 40, 48, 56, 64).
      {OpKind::conv_bn_act, 13, 11, 3, 40, 3, 2, {0, 0, 1, 1}, 3},
      {OpKind::conv_bn_act, 12, 15, 3, 56, 3, 2, {1, 1, 1, 1}, 1},
      {OpKind::conv_bn_act, 9, 10, 3, 64, 3, 2, {0, 0, 1, 1}, 1},
  };
  int variant = 0;
  for (const Win& wd : wins) {
    const bool dw = wd.kind == OpKind::dwconv_bn_act;
    const bool swish = variant % 3 != 2, sums = dw && variant % 4 != 3;
    ++variant;
    OpDesc op;
    op.kind = wd.kind;
    op.x = 0;
    op.y = 1;
    op.k = wd.k;
    op.stride = wd.s;
    op.pad = wd.pad;
    op.act = swish ? Act::swish : Act::none;
    const int32_t ho = (wd.h + wd.pad[0] + wd.pad[2] - wd.k) / wd.s + 1;
    const int32_t wo = (wd.w + wd.pad[1] + wd.pad[3] - wd.k) / wd.s + 1;
    std::vector<ValueDesc> values = {{wd.h, wd.w, wd.cin}, {ho, wo, wd.cout}};
    if (sums) {
      op.sums = 2;
      values.push_back({1, 1, wd.cout});
    }
    std::string id = std::string(op_name(wd.kind)) + "/edge_k" + std::to_string(wd.k) + "_s" + std::to_string(wd.s) +
                     "_pad" + std::to_string(wd.pad[0]) + std::to_string(wd.pad[1]) + std::to_string(wd.pad[2]) +
                     std::to_string(wd.pad[3]) + tag("h", wd.h) + tag("w", wd.w) +
                     (dw ? tag("c", wd.cin) : tag("ci", wd.cin) + tag("co", wd.cout)) + (swish ? "_swish" : "_none") +
                     (sums ? "_sums" : "") + tag("b", wd.batch);
    out.push_back(finish(std::move(id), wd.batch, single(std::move(op), std::move(values)), {}));
  }

  struct Pw { int32_t h, w, cin, cout; bool gate, residual, swish; int32_t batch; };
  const Pw pws[] = {
      {1, 1, 1, 1, true, true, true, 3},       {1, 5, 7, 15, true, false, true, 3},
      {3, 3, 15, 16, false, true, false, 1},   {1, 9, 17, 31, true, true, false, 3},
      {7, 7, 31, 17, true, true, false, 3},    {5, 10, 33, 7, false, false, true, 3},
      {7, 7, 1152, 320, true, true, false, 3}, {7, 7, 100, 65, true, false, true, 1},
      {2, 25, 65, 100, false, true, true, 1},  {7, 7, 192, 1152, false, false, true, 1},
      // Gated with many rows per output channel: the gate scales the weights, image by image
      // (gate_in_weights); odd K, output channel tails, batches of 1 to 3. The last one, 100 rows
      // for 48 padded channels, is just under the rule: gated rows.
      {11, 13, 24, 17, true, true, false, 3},  {9, 8, 37, 16, true, false, true, 1},
      {16, 16, 33, 40, true, true, true, 2},  {10, 10, 50, 40, true, false, true, 3},
  };
  for (const Pw& f : pws) {
    OpDesc op;
    op.kind = OpKind::pwconv_bn_act;
    op.x = 0;
    op.y = 1;
    op.act = f.swish ? Act::swish : Act::none;
    std::vector<ValueDesc> values = {{f.h, f.w, f.cin}, {f.h, f.w, f.cout}};
    std::vector<int32_t> external;
    if (f.gate) {
      op.gate = int32_t(values.size());
      values.push_back({1, 1, f.cin});
      external.push_back(op.gate);
    }
    if (f.residual) {
      op.residual = int32_t(values.size());
      values.push_back({f.h, f.w, f.cout});
      external.push_back(op.residual);
    }
    std::string id = "pwconv_bn_act/edge_h" + std::to_string(f.h) + tag("w", f.w) + tag("ci", f.cin) +
                     tag("co", f.cout) + (f.gate ? "_gate" : "") + (f.residual ? "_res" : "") +
                     (f.swish ? "_swish" : "_none") + tag("b", f.batch);
    out.push_back(finish(std::move(id), f.batch, single(std::move(op), std::move(values)), std::move(external)));
  }

  struct Se { int32_t c, cr, spatial, batch; };
  const Se ses[] = {{1, 1, 9, 3}, {7, 7, 4, 1}, {15, 9, 49, 3}, {31, 17, 3, 1}, {65, 33, 196, 3}, {1152, 48, 49, 1}};
  for (const Se& e : ses) {
    OpDesc op;
    op.kind = OpKind::se_gate;
    op.x = 0;
    op.y = 1;
    op.spatial = e.spatial;
    op.weight.resize(size_t(e.cr));  // size marker for finish()
    std::string id = "se_gate/edge_c" + std::to_string(e.c) + tag("cr", e.cr) + tag("spatial", e.spatial) +
                     tag("b", e.batch);
    out.push_back(finish(std::move(id), e.batch, single(std::move(op), {{1, 1, e.c}, {1, 1, e.c}}), {}));
  }

  struct Head { int32_t h, w, cin, cout; bool map; int32_t batch; };
  const Head heads[] = {{9, 9, 7, 1, true, 3}, {11, 13, 15, 17, false, 3}, {8, 8, 31, 15, true, 1}, {1, 5, 1, 33, true, 3}};
  for (const Head& hd : heads) {
    OpDesc op;
    op.kind = OpKind::head_pool;
    op.x = 0;
    op.y = 1;
    op.act = Act::swish;
    std::vector<ValueDesc> values = {{hd.h, hd.w, hd.cin}, {1, 1, hd.cout}};
    if (hd.map) {
      op.map = 2;
      values.push_back({hd.h, hd.w, hd.cout});
    }
    std::string id = "head_pool/edge_h" + std::to_string(hd.h) + tag("w", hd.w) + tag("ci", hd.cin) +
                     tag("co", hd.cout) + (hd.map ? "_map" : "") + tag("b", hd.batch);
    out.push_back(finish(std::move(id), hd.batch, single(std::move(op), std::move(values)), {}));
  }

  for (const auto& ch : {std::make_pair(7, 15), std::make_pair(33, 17), std::make_pair(31, 1)}) {
    OpDesc op;
    op.kind = OpKind::linear;
    op.x = 0;
    op.y = 1;
    std::string id = "linear/edge_ci" + std::to_string(ch.first) + tag("co", ch.second) + tag("b", 9);
    out.push_back(finish(std::move(id), 9, single(std::move(op), {{1, 1, ch.first}, {1, 1, ch.second}}), {}));
  }
}

}  // namespace

// Harness inputs: activations in [-2, 2) (both sides of swish), gates in (0, 1) like a sigmoid's,
// SE sums as spatial * [-1, 1) like a sum over a map.
std::vector<std::vector<float>> op_case_inputs(const OpCase& c) {
  const Plan& p = c.plan;
  const OpDesc& op = p.ops[0];
  std::vector<std::vector<float>> in(p.values.size());
  Prng rng(c.seed ^ 0x5eedf00dull);
  std::vector<int32_t> fed = c.external;
  fed.insert(fed.begin(), p.input);
  for (int32_t v : fed) {
    auto& buf = in[size_t(v)];
    buf.resize(size_t(p.values[size_t(v)].size() * c.batch));
    for (float& f : buf) {
      if (v == op.gate) f = rng.uniform(0.0f, 1.0f);
      else if (op.kind == OpKind::se_gate) f = float(op.spatial) * rng.uniform(-1.0f, 1.0f);
      else f = rng.uniform(-2.0f, 2.0f);
    }
  }
  return in;
}

namespace {

// Runs the case's op on one kernel level; returns every value's buffer (outputs poisoned first).
std::vector<AlignedBuffer> run_level(const OpCase& c, const CpuKernels& kernels, int32_t threads,
                                     const std::vector<std::vector<float>>& inputs) {
  const Plan& p = c.plan;
  CompiledOp op = compile_op(p, 0, kernels);
  std::vector<AlignedBuffer> values;
  std::vector<float*> ptrs;
  for (size_t v = 0; v < p.values.size(); ++v) {
    values.emplace_back(p.values[v].size() * c.batch);
    float* d = values.back().data();
    if (!inputs[v].empty()) {
      std::copy(inputs[v].begin(), inputs[v].end(), d);
    } else {
      std::fill(d, d + values.back().size(), std::numeric_limits<float>::quiet_NaN());
    }
    ptrs.push_back(d);
  }
  AlignedBuffer scratch(op_scratch_floats(op, c.batch));
  if (scratch.size() > 0) std::fill(scratch.data(), scratch.data() + scratch.size(), std::numeric_limits<float>::quiet_NaN());
  run_op(op, ptrs.data(), c.batch, threads, scratch.data());
  return values;
}

}  // namespace

std::vector<std::vector<float>> op_case_reference(const OpCase& c, const std::vector<std::vector<float>>& inputs) {
  const auto values = run_level(c, reference_kernels(), 1, inputs);
  std::vector<std::vector<float>> out;
  for (int32_t v : c.plan.outputs) {
    const AlignedBuffer& b = values[size_t(v)];
    out.emplace_back(b.data(), b.data() + b.size());
  }
  return out;
}

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = [] {
    std::vector<OpCase> out;
    add_windowed(out, OpKind::conv_bn_act);
    add_windowed(out, OpKind::dwconv_bn_act);
    add_se_gate(out);
    add_pwconv(out);
    add_head_pool(out);
    add_linear(out);
    add_kernel_edges(out);
    return out;
  }();
  return cases;
}

namespace {

// The case as a bf16 GEMM sees it: the op's weights and its inputs after the SE gate (multiplied in
// fp32 first, as the kernel does) rounded to bf16, and a gate of ones. Products of two bf16 values
// are exact in fp32, so the reference run on these differs from the bf16 kernel only in the order
// of the fp32 sums: the fp32 tolerances apply unchanged, and a wrong pair, rounding or tail fails.
void as_bf16_products(OpCase* c, std::vector<std::vector<float>>* inputs) {
  OpDesc& op = c->plan.ops[0];
  for (float& w : op.weight) w = round_bf16(w);
  std::vector<float>& x = (*inputs)[size_t(c->plan.input)];
  const ValueDesc& in = c->plan.values[size_t(c->plan.input)];
  const int64_t per_image = in.size(), channels = in.c;
  for (int64_t i = 0; i < int64_t(x.size()); ++i) {
    const float g = op.gate >= 0 ? (*inputs)[size_t(op.gate)][size_t(i / per_image * channels + i % channels)] : 1.0f;
    x[size_t(i)] = round_bf16(x[size_t(i)] * g);
  }
  if (op.gate >= 0) std::fill((*inputs)[size_t(op.gate)].begin(), (*inputs)[size_t(op.gate)].end(), 1.0f);
}

}  // namespace

OpCheck check_op_case(const OpCase& c, const CompileOptions& candidate) {
  validate_plan_with_inputs(c.plan, c.external);
  const CpuKernels& cand = select_kernels(candidate.kernels, candidate.cpu_level, candidate.precision);
  const int32_t threads =
      candidate.threads > 0 ? candidate.threads : std::max(1, int32_t(std::thread::hardware_concurrency()));
  const auto inputs = op_case_inputs(c);
  OpCase ref_case = c;
  auto ref_inputs = inputs;
  if (candidate.precision == Precision::bf16 && runs_as_gemm(c.plan.ops[0].kind)) as_bf16_products(&ref_case, &ref_inputs);
  const auto ref = run_level(ref_case, reference_kernels(), 1, ref_inputs);
  const auto got = run_level(c, cand, threads, inputs);

  OpCheck r;
  r.kernel = std::string(cand.level) + "/" + cand[c.plan.ops[0].kind].impl;
  double err2 = 0, ref2 = 0;
  for (int32_t v : c.plan.outputs) {
    const float* a = ref[size_t(v)].data();
    const float* b = got[size_t(v)].data();
    for (int64_t i = 0; i < ref[size_t(v)].size(); ++i) {
      const double d = std::isfinite(b[i]) ? std::fabs(double(b[i]) - double(a[i])) : HUGE_VAL;
      r.max_abs_diff = std::max(r.max_abs_diff, d);
      r.max_abs_ref = std::max(r.max_abs_ref, std::fabs(double(a[i])));
      err2 += d * d;
      ref2 += double(a[i]) * double(a[i]);
      ++r.n;
    }
  }
  r.nmse = ref2 > 0 ? err2 / ref2 : err2;
  r.passed = r.nmse <= kOpCaseMaxNmse && r.max_abs_diff <= kOpCaseMaxAbs * std::max(1.0, r.max_abs_ref);
  return r;
}

}  // namespace effnet
