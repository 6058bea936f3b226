#include "cpu/simd/packing.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/bf16.h"
#include "cpu/simd/tiling.h"

namespace effnet {
namespace simd {
namespace {

AlignedBuffer zeros(int64_t n) {
  AlignedBuffer b(n);
  std::fill(b.data(), b.data() + n, 0.0f);
  return b;
}

AlignedBuffer padded(const std::vector<float>& v, int64_t n) {
  AlignedBuffer b = zeros(n);
  std::copy(v.begin(), v.end(), b.data());
  return b;
}

}  // namespace

void pack_gemm_panels(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, int64_t w, PackedWeights* p) {
  const int64_t cin = in.c, cout = out.c, panels = ceil_div(cout, w);
  p->w = zeros(panels * cin * w);
  p->b = padded(op.bias, round_up(panels * w, kChannelPad));
  float* d = p->w.data();
  for (int64_t co = 0; co < cout; ++co) {
    float* panel = d + (co / w) * cin * w + co % w;
    for (int64_t ci = 0; ci < cin; ++ci) panel[ci * w] = op.weight[size_t(co * cin + ci)];
  }
}

void pack_gemm_bf16_panels(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, int64_t w, PackedWeights* p) {
  const int64_t cin = in.c, cout = out.c, panels = ceil_div(cout, w), pairs = ceil_div(cin, 2);
  std::vector<uint16_t> d(size_t(panels * pairs * w * 2), 0);  // bf16 zero is all-zero bits
  for (int64_t co = 0; co < cout; ++co) {
    uint16_t* panel = d.data() + (co / w) * pairs * w * 2 + (co % w) * 2;
    for (int64_t ci = 0; ci < cin; ++ci) panel[(ci / 2) * w * 2 + ci % 2] = bf16_bits(op.weight[size_t(co * cin + ci)]);
  }
  p->w = AlignedBuffer(panels * pairs * w);  // 2 bf16 per float; copied bytewise (no float aliasing)
  std::memcpy(p->w.data(), d.data(), d.size() * sizeof(uint16_t));
  p->b = padded(op.bias, round_up(panels * w, kChannelPad));
}

void pack_dwconv_bn_act(const OpDesc& op, const ValueDesc& in, const ValueDesc&, PackedWeights* p) {
  const int64_t c = in.c, cpad = round_up(c, kChannelPad), taps = int64_t(op.k) * op.k;
  p->w = zeros(taps * cpad);
  p->b = padded(op.bias, cpad);
  for (int64_t ch = 0; ch < c; ++ch) {
    for (int64_t t = 0; t < taps; ++t) p->w.data()[t * cpad + ch] = op.weight[size_t(ch * taps + t)];
  }
}

void pack_conv_bn_act(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p) {
  const int64_t ci_n = in.c, co_n = out.c, copad = round_up(co_n, kChannelPad), taps = int64_t(op.k) * op.k;
  p->w = zeros(taps * ci_n * copad);
  p->b = padded(op.bias, copad);
  for (int64_t co = 0; co < co_n; ++co) {
    for (int64_t ci = 0; ci < ci_n; ++ci) {
      for (int64_t t = 0; t < taps; ++t) {
        p->w.data()[(t * ci_n + ci) * copad + co] = op.weight[size_t((co * ci_n + ci) * taps + t)];
      }
    }
  }
}

void pack_se_gate(const OpDesc& op, const ValueDesc& in, const ValueDesc&, PackedWeights* p) {
  const int64_t c = in.c, cr = int64_t(op.weight.size()) / c;
  const int64_t cpad = round_up(c, kChannelPad);
  p->hidden = int32_t(cr);
  p->w = zeros(cr * cpad);
  p->b = padded(op.bias, round_up(cr, kChannelPad));
  p->w2 = zeros(cr * cpad);
  p->b2 = padded(op.bias2, cpad);
  for (int64_t j = 0; j < cr; ++j) {
    for (int64_t ch = 0; ch < c; ++ch) {
      p->w.data()[j * cpad + ch] = op.weight[size_t(j * c + ch)];
      p->w2.data()[j * cpad + ch] = op.weight2[size_t(ch * cr + j)];
    }
  }
}

}  // namespace simd
}  // namespace effnet
