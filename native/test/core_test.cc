// effnet_core_test: end-to-end checks of the native core without Node.
//  - a B0-shaped plan (residuals, SE, TF SAME and symmetric padding) runs at the fast level and
//    matches the reference; results do not depend on the thread count or on the batch position;
//  - a second run at the same batch size allocates nothing (global operator new is counted here,
//    and glibc's mallinfo2 catches malloc/aligned_alloc);
//  - validate_plan rejects broken plans with ERR_PLAN_INVALID; load_plan rejects truncated, corrupt
//    and hostile files with ERR_PLAN_FILE (run this under ASan/valgrind for the "never crashes" part);
//  - run() rejects bad batches; an impossible arena is ERR_OUT_OF_MEMORY; bad levels are errors.
// Exit status 1 on any failure.
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "core/bf16.h"
#include "core/prng.h"
#include "core/thread_pool.h"
#include "cpu/expand_dw.h"
#include "cpu/levels.h"
#include "effnet/error.h"
#include "effnet/model.h"
#include "test/padding.h"
#include "test/prefetch_plan_test.h"
#include "test/simd_math_test.h"
#include "test/tiling_test.h"
#include "tools/synthetic_plan.h"

static std::atomic<long> g_news{0};

void* operator new(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): otherwise the library's
// nothrow new pairs with the free() below, which ASan reports as an alloc-dealloc mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_news.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace effnet;

namespace {

int g_failed = 0, g_passed = 0;

void expect(bool ok, const std::string& what) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

// Runs f and expects an effnet::Error with `code`.
void expect_error(const char* code, const std::string& what, const std::function<void()>& f) {
  try {
    f();
    expect(false, what + ": no error thrown (expected " + code + ")");
  } catch (const Error& e) {
    expect(e.code() == code, what + ": got " + e.code() + " (" + e.what() + "), expected " + code);
  } catch (const std::exception& e) {
    expect(false, what + ": threw a non-effnet exception: " + e.what());
  }
}

std::vector<std::vector<float>> run(Model& m, const std::vector<float>& input, int32_t batch) {
  std::vector<std::vector<float>> outs;
  std::vector<float*> ptrs;
  for (int32_t v : m.plan().outputs) outs.emplace_back(size_t(m.plan().values[size_t(v)].size() * batch), NAN);
  for (auto& o : outs) ptrs.push_back(o.data());
  m.run(input.data(), batch, ptrs.data());
  return outs;
}

std::vector<float> random_input(const Plan& p, int32_t batch, uint64_t seed) {
  std::vector<float> v(size_t(p.values[size_t(p.input)].size() * batch));
  Prng rng(seed);
  for (float& f : v) f = rng.uniform(-2.0f, 2.0f);
  return v;
}

double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b, size_t off = 0) {
  double d = 0, m = 1;
  for (size_t i = 0; i < b.size(); ++i) {
    d = std::max(d, std::isfinite(a[off + i]) ? std::fabs(double(a[off + i]) - b[i]) : HUGE_VAL);
    m = std::max(m, std::fabs(double(b[i])));
  }
  return d / m;
}

void test_network(bool tf_same, int32_t res) {
  SyntheticOptions o;
  o.resolution = res;
  o.tf_same = tf_same;
  o.head_map = true;
  o.seed = 7;
  const Plan plan = make_synthetic_plan(o);
  const std::string tag = std::string(tf_same ? "tf_same" : "symmetric") + " res " + std::to_string(res);
  CompileOptions fast_opts, ref_opts, one_thread;
  ref_opts.kernels = KernelSet::reference;
  one_thread.threads = 1;
  auto fast = Model::compile(plan, fast_opts);
  auto ref = Model::compile(plan, ref_opts);
  auto single = Model::compile(plan, one_thread);
  expect(fast->plan().ops[0].weight.empty(), "weights released after packing");
  const int32_t batch = 3;
  const auto input = random_input(plan, batch, 11);
  const auto got = run(*fast, input, batch);
  const auto want = run(*ref, input, batch);
  for (size_t i = 0; i < got.size(); ++i) {
    const double d = max_rel_diff(got[i], want[i]);
    std::printf("  %s: output %zu fast vs reference: max diff / max(1, max|ref|) = %.3e\n", tag.c_str(), i, d);
    expect(d < 1e-4, tag + ": output " + std::to_string(i) + " matches the reference");
  }
  // Same results on 1 thread, and image 2 of the batch equals that image run alone (bitwise).
  const auto one = run(*single, input, batch);
  expect(one == got, tag + ": results independent of the thread count");
  const ValueDesc in = plan.values[size_t(plan.input)];
  const std::vector<float> third(input.begin() + 2 * in.size(), input.end());
  const auto alone = run(*fast, third, 1);
  for (size_t i = 0; i < got.size(); ++i) {
    const size_t n = alone[i].size();
    expect(std::equal(alone[i].begin(), alone[i].end(), got[i].begin() + 2 * n),
           tag + ": output " + std::to_string(i) + " of batch item 2 equals a batch-1 run of it");
  }
  // No allocation on a repeated run at a batch size already seen.
  std::vector<std::vector<float>> outs = got;
  std::vector<float*> ptrs;
  for (auto& v : outs) ptrs.push_back(v.data());
  fast->run(input.data(), batch, ptrs.data());
  const long news0 = g_news.load();
  const struct mallinfo2 m0 = mallinfo2();
  fast->run(input.data(), batch, ptrs.data());
  fast->run(input.data(), batch, ptrs.data());
  const struct mallinfo2 m1 = mallinfo2();
  const long news = g_news.load() - news0;
  std::printf("  %s: repeated runs: %ld operator new calls, heap in use %+ld bytes, mmapped %+ld bytes\n", tag.c_str(),
              news, long(m1.uordblks) - long(m0.uordblks), long(m1.hblkhd) - long(m0.hblkhd));
  expect(news == 0 && m1.uordblks == m0.uordblks && m1.hblkhd == m0.hblkhd, tag + ": zero allocations per run");
  expect(outs == got, tag + ": repeated runs give identical results");
}

// The avx512 level's GEMM tiles (cpu/avx512/kernels.cc): the pinned tables have the tile their
// name says, "avx512" runs the GEMM ops of one of them, and the network's outputs are bitwise the
// same on either tile (each output is one tile's sum in K order, whatever the tile's shape).
void test_gemm_tiles(int32_t res) {
  std::map<std::string, const CpuKernels*> tables;
  for (const CpuKernels* k : runnable_levels()) tables[k->level] = k;
  if (tables.count("avx512") == 0) {
    std::printf("  (no avx512 here: nothing to check)\n");
    return;
  }
  const CpuKernels &a = *tables["avx512"], &n2 = *tables["avx512-8x2"], &n3 = *tables["avx512-8x3"];
  expect(n2.gemm_tile.rows == 8 && n2.gemm_tile.vectors == 2, "avx512-8x2 has an 8 x 2 GEMM tile");
  expect(n3.gemm_tile.rows == 8 && n3.gemm_tile.vectors == 3, "avx512-8x3 has an 8 x 3 GEMM tile");
  bool one_of = false;
  for (const CpuKernels* pinned : {&n2, &n3}) {
    bool same = a.gemm_tile.rows == pinned->gemm_tile.rows && a.gemm_tile.vectors == pinned->gemm_tile.vectors &&
                a.expand_dw == pinned->expand_dw;
    for (int32_t kind = 0; kind < kOpKindCount; ++kind) same = same && a.ops[kind].run == pinned->ops[kind].run;
    one_of = one_of || same;
  }
  expect(one_of, "avx512 runs the ops of avx512-8x2 or avx512-8x3 (here " + std::to_string(a.gemm_tile.rows) + "x" +
                     std::to_string(a.gemm_tile.vectors) + ")");
  SyntheticOptions o;
  o.resolution = res;
  o.head_map = true;
  o.seed = 9;
  const Plan plan = make_synthetic_plan(o);
  const int32_t batch = 2;
  const auto input = random_input(plan, batch, 13);
  std::vector<std::vector<float>> outs[2];
  const char* names[2] = {"avx512-8x2", "avx512-8x3"};
  for (int t = 0; t < 2; ++t) {
    CompileOptions opts;
    opts.cpu_level = names[t];
    outs[t] = run(*Model::compile(plan, opts), input, batch);
  }
  expect(outs[0] == outs[1], "res " + std::to_string(res) + ": the network's outputs are bitwise the same on both GEMM tiles");
}

// The CPU backend's fused expand + dwconv strategy (cpu/expand_dw.h), on two-op plans whose
// expanded tensor is big enough to be fused: odd sizes, channel tails, k 3/5, stride 1/2, TF SAME
// and symmetric pads, batch 3 (bands of 1 row per image) and batch 1 (2 bands). Checked against
// the reference, and bitwise across thread counts and batch positions (not against the unfused
// pair: the SE sums add in another order).
void test_expand_dw() {
  struct Shape { int32_t h, w, cin, ce, k, s; bool same; };
  // Expanded tensors just over the fusion threshold (checked below), and B0's and B3's largest.
  const Shape shapes[] = {{97, 101, 13, 112, 3, 1, false}, {103, 99, 24, 108, 3, 2, true}, {101, 103, 17, 105, 5, 1, true},
                          {99, 100, 20, 112, 5, 2, false},  {112, 112, 16, 96, 3, 2, false}, {150, 150, 24, 144, 3, 2, true}};
  for (const Shape& sh : shapes) {
    Plan plan;
    plan.values = {{sh.h, sh.w, sh.cin}, {sh.h, sh.w, sh.ce}};
    expect(expand_dw_worth_it(plan.values[1]), "expand_dw test shape is over the fusion threshold");
    Prng rng(uint64_t(sh.h * 1000 + sh.w * 10 + sh.k));
    OpDesc pw;
    pw.kind = OpKind::pwconv_bn_act;
    pw.x = 0;
    pw.y = 1;
    pw.act = Act::swish;
    for (int64_t i = 0; i < int64_t(sh.ce) * sh.cin; ++i) pw.weight.push_back(rng.uniform(-1.0f, 1.0f) / std::sqrt(float(sh.cin)));
    for (int32_t i = 0; i < sh.ce; ++i) pw.bias.push_back(rng.uniform(-0.5f, 0.5f));
    OpDesc dw;
    dw.kind = OpKind::dwconv_bn_act;
    dw.x = 1;
    dw.k = sh.k;
    dw.stride = sh.s;
    dw.act = Act::swish;
    const auto ph = pad_pair(sh.h, sh.k, sh.s, sh.same), pw_ = pad_pair(sh.w, sh.k, sh.s, sh.same);
    dw.pad = {ph.first, pw_.first, ph.second, pw_.second};
    const int32_t ho = (sh.h + ph.first + ph.second - sh.k) / sh.s + 1, wo = (sh.w + pw_.first + pw_.second - sh.k) / sh.s + 1;
    plan.values.push_back({ho, wo, sh.ce});
    plan.values.push_back({1, 1, sh.ce});
    dw.y = 2;
    dw.sums = 3;
    for (int64_t i = 0; i < int64_t(sh.ce) * sh.k * sh.k; ++i) dw.weight.push_back(rng.uniform(-1.0f, 1.0f) / float(sh.k));
    for (int32_t i = 0; i < sh.ce; ++i) dw.bias.push_back(rng.uniform(-0.5f, 0.5f));
    plan.ops.push_back(std::move(pw));
    plan.ops.push_back(std::move(dw));
    plan.input = 0;
    plan.outputs = {2, 3};
    const std::string tag = "expand_dw h" + std::to_string(sh.h) + " w" + std::to_string(sh.w) + " ci" +
                            std::to_string(sh.cin) + " ce" + std::to_string(sh.ce) + " k" + std::to_string(sh.k) + " s" +
                            std::to_string(sh.s) + (sh.same ? " same" : " sym");
    CompileOptions ref_opts;
    ref_opts.kernels = KernelSet::reference;
    auto ref = Model::compile(plan, ref_opts);
    const int32_t batch = 3;
    const auto input = random_input(plan, batch, 5);
    const auto want = run(*ref, input, batch);
    // The bf16 kernels' expand multiplies bf16-rounded x and weights (exactly, in fp32): the
    // reference fed those rounded values is their yardstick, at the same tolerance.
    Plan plan_bf16 = plan;
    for (float& w : plan_bf16.ops[0].weight) w = round_bf16(w);
    std::vector<float> input_bf16 = input;
    for (float& v : input_bf16) v = round_bf16(v);
    std::vector<std::string> candidates = runtime_info().cpu_levels;  // every level this CPU runs
    if (bf16_supported()) candidates.push_back("bf16");
    for (const std::string& level : candidates) {
      const bool bf16 = level == "bf16";
      const std::string at = tag + " (" + level + ")";
      CompileOptions fast_opts, one_thread;
      if (bf16) fast_opts.precision = one_thread.precision = Precision::bf16;
      else fast_opts.cpu_level = one_thread.cpu_level = level;
      one_thread.threads = 1;
      auto fast = Model::compile(plan, fast_opts);
      auto single = Model::compile(plan, one_thread);
      const auto got = run(*fast, input, batch);
      const auto yardstick = bf16 ? run(*Model::compile(plan_bf16, ref_opts), input_bf16, batch) : want;
      for (size_t i = 0; i < got.size(); ++i) {
        const double d = max_rel_diff(got[i], yardstick[i]);
        expect(d < 1e-4, at + ": output " + std::to_string(i) + " matches the reference (" + std::to_string(d) + ")");
      }
      expect(run(*single, input, batch) == got, at + ": results independent of the thread count");
      const std::vector<float> third(input.begin() + 2 * plan.values[0].size(), input.end());
      const auto alone = run(*fast, third, 1);
      for (size_t i = 0; i < got.size(); ++i) {
        expect(std::equal(alone[i].begin(), alone[i].end(), got[i].begin() + 2 * alone[i].size()),
               at + ": output " + std::to_string(i) + " of batch item 2 equals a batch-1 run of it");
      }
    }
  }
}

void test_validation() {
  SyntheticOptions o;
  o.resolution = 32;
  o.tf_same = true;
  const Plan good = make_synthetic_plan(o);
  validate_plan(good);
  // Indices into the synthetic plan: 0 stem conv, 1 dw, 2 se_gate, 3 project, 4 expand, 5 dw (s2) ...
  struct Mutation { const char* what; std::function<void(Plan&)> f; };
  const std::vector<Mutation> mutations = {
      {"even k", [](Plan& p) { p.ops[1].k = 4; }},
      {"k 17", [](Plan& p) { p.ops[1].k = 17; }},
      {"stride 3", [](Plan& p) { p.ops[1].stride = 3; }},
      {"pad >= k", [](Plan& p) { p.ops[1].pad[2] = 3; }},
      {"negative pad", [](Plan& p) { p.ops[1].pad[0] = -1; }},
      {"wrong y shape", [](Plan& p) { p.values[size_t(p.ops[1].y)].h += 1; }},
      {"x out of range", [](Plan& p) { p.ops[3].x = 100000; }},
      {"negative y", [](Plan& p) { p.ops[3].y = -5; }},
      {"value written twice", [](Plan& p) { p.ops[3].y = p.ops[1].y; }},
      {"read before written", [](Plan& p) { p.ops[1].x = p.ops[3].y; }},
      {"input written", [](Plan& p) { p.ops[0].y = p.input; }},
      {"weight size", [](Plan& p) { p.ops[3].weight.pop_back(); }},
      {"bias size", [](Plan& p) { p.ops[0].bias.push_back(0); }},
      {"se spatial", [](Plan& p) { p.ops[2].spatial += 1; }},
      {"se spatial 0", [](Plan& p) { p.ops[2].spatial = 0; }},
      {"se weight2 size", [](Plan& p) { p.ops[2].weight2.pop_back(); }},
      {"se from non-sums", [](Plan& p) { p.ops[2].x = p.ops[1].y; }},
      {"gate length", [](Plan& p) { p.ops[3].gate = p.ops[2].x; p.values[size_t(p.ops[2].x)].c += 0; p.ops[3].gate = p.input; }},
      {"residual shape", [](Plan& p) { p.ops[3].residual = p.ops[1].y; }},
      {"unused slot set", [](Plan& p) { p.ops[0].gate = p.input; }},
      {"pw with k", [](Plan& p) { p.ops[3].k = 3; }},
      {"linear with act", [](Plan& p) { p.ops.back().act = Act::swish; }},
      {"huge dims", [](Plan& p) { p.values[size_t(p.input)] = {16384, 16384, 65536}; }},
      {"h over cap", [](Plan& p) { p.values[size_t(p.input)].h = 16385; }},
      {"zero channels", [](Plan& p) { p.values[size_t(p.input)].c = 0; }},
      {"no outputs", [](Plan& p) { p.outputs.clear(); }},
      {"output out of range", [](Plan& p) { p.outputs.push_back(-1); }},
      {"bad input id", [](Plan& p) { p.input = int32_t(p.values.size()); }},
      {"unknown kind", [](Plan& p) { p.ops[1].kind = OpKind(42); }},
      {"never written value", [](Plan& p) { p.values.push_back({1, 1, 1}); }},
      {"dw channels differ", [](Plan& p) { p.values[size_t(p.ops[1].y)].c += 1; }},
  };
  for (const auto& m : mutations) {
    Plan p = good;
    m.f(p);
    expect_error(kErrPlanInvalid, std::string("validate_plan: ") + m.what, [&] { validate_plan(p); });
  }
  try {
    Plan p = good;
    p.ops[1].k = 4;
    validate_plan(p);
  } catch (const Error& e) {
    std::printf("  sample message: %s\n", e.what());
  }
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}
void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
}
uint64_t fnv(const std::string& s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ uint8_t(s[i])) * 1099511628211ull;
  return h;
}
// Rewrites the trailing checksum so a hostile edit gets past it and reaches the count checks.
std::string reseal(std::string s) {
  const uint64_t h = fnv(s, s.size() - 8);
  for (int i = 0; i < 8; ++i) s[s.size() - 8 + i] = char((h >> (8 * i)) & 0xff);
  return s;
}

// The small network of arch_table.inc at 16x16 with 10 classes: every op kind, in milliseconds.
Plan tiny_plan() {
  SyntheticOptions o;
  o.network = "tiny";
  o.resolution = 16;
  o.classes = 10;
  return make_synthetic_plan(o);
}

void test_plan_io() {
  const Plan plan = tiny_plan();
  const std::string path = "/tmp/effnet_core_test_plan.bin", bad = "/tmp/effnet_core_test_bad.bin";
  save_plan(plan, path);
  const Plan back = load_plan(path);
  bool same = back.values.size() == plan.values.size() && back.ops.size() == plan.ops.size() &&
              back.outputs == plan.outputs && back.input == plan.input;
  for (size_t i = 0; same && i < plan.ops.size(); ++i) {
    same = back.ops[i].weight == plan.ops[i].weight && back.ops[i].bias2 == plan.ops[i].bias2 &&
           back.ops[i].pad == plan.ops[i].pad && back.ops[i].kind == plan.ops[i].kind;
  }
  expect(same, "save_plan/load_plan round trip");
  const std::string bytes = read_file(path);
  std::printf("  plan file: %zu bytes\n", bytes.size());
  int rejected = 0, tried = 0;
  auto must_reject = [&](const std::string& content, const std::string& what) {
    write_file(bad, content);
    ++tried;
    try {
      load_plan(bad);
      expect(false, "load_plan accepted " + what);
    } catch (const Error& e) {
      if (e.code() == kErrPlanFile) ++rejected;
      else expect(false, "load_plan " + what + ": code " + e.code());
    }
  };
  for (size_t n = 0; n < bytes.size(); n += (n < 400 ? 1 : 997)) must_reject(bytes.substr(0, n), "a truncated file");
  Prng rng(3);
  for (int i = 0; i < 200; ++i) {
    std::string s = bytes;
    s[size_t(rng.next() % s.size())] ^= char(1 + rng.next() % 255);
    must_reject(s, "a flipped byte");
  }
  // Hostile but correctly sealed: huge counts right after the header, a huge weight count, a bad kind.
  auto put32 = [](std::string& s, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = char((v >> (8 * i)) & 0xff);
  };
  for (size_t field : {size_t(20), size_t(24), size_t(28)}) {  // n_values, n_ops, n_outputs
    std::string s = bytes;
    put32(s, field, 0xffffffffu);
    must_reject(reseal(s), "a huge count");
    s = bytes;
    put32(s, field, 70000);
    must_reject(reseal(s), "a count over the cap");
  }
  {
    const size_t values = size_t(uint8_t(bytes[20])) | size_t(uint8_t(bytes[21])) << 8;
    const size_t outputs = size_t(uint8_t(bytes[28]));
    const size_t op0 = 32 + values * 12 + outputs * 4;
    std::string s = bytes;
    put32(s, op0, 9);
    must_reject(reseal(s), "an unknown op kind");
    s = bytes;
    for (int i = 0; i < 8; ++i) s[op0 + 60 + size_t(i)] = char(0xff);  // weight count of op 0
    must_reject(reseal(s), "a huge weight count");
    s = bytes;
    put32(s, op0 + 4 * 7, 4);  // op 0: k = 4 -> loads, then fails validation
    must_reject(reseal(s), "an invalid plan inside a valid file");
  }
  must_reject("EFFNPLAN", "a bare magic");
  must_reject(std::string(64, '\0'), "zeros");
  expect_error(kErrPlanFile, "a missing file", [] { load_plan("/nonexistent/plan.bin"); });
  expect(rejected == tried, "load_plan rejected " + std::to_string(rejected) + " of " + std::to_string(tried) +
                                " bad files with ERR_PLAN_FILE");
  std::printf("  load_plan: %d of %d bad files rejected with ERR_PLAN_FILE\n", rejected, tried);
}

void test_errors() {
  const Plan plan = tiny_plan();
  auto m = Model::compile(plan, CompileOptions{});
  const auto input = random_input(plan, 1, 1);
  std::vector<float> out0(10), out1(size_t(plan.values[size_t(plan.outputs[1])].c));
  float* ptrs[] = {out0.data(), out1.data()};
  expect_error(kErrInputShape, "batch 0", [&] { m->run(input.data(), 0, ptrs); });
  expect_error(kErrInputShape, "batch 4097", [&] { m->run(input.data(), 4097, ptrs); });
  expect_error(kErrInputShape, "null input", [&] { m->run(nullptr, 1, ptrs); });
  expect_error(kErrInvalidOption, "unknown cpu_level", [&] {
    CompileOptions c;
    c.cpu_level = "sse9";
    Model::compile(plan, c);
  });
  setenv("EFFICIENTNET_CPU", "bogus", 1);
  expect_error(kErrInvalidOption, "unknown EFFICIENTNET_CPU", [&] { Model::compile(plan, CompileOptions{}); });
  setenv("EFFICIENTNET_CPU", "scalar", 1);
  expect(Model::compile(plan, CompileOptions{})->kernel_name() == "generic", "EFFICIENTNET_CPU=scalar -> generic");
  unsetenv("EFFICIENTNET_CPU");
  {
    CompileOptions c;
    c.cpu_level = "reference";
    expect(Model::compile(plan, c)->kernel_name() == "reference", "cpu_level reference");
  }
  // A plan whose arena cannot exist: 2^31 floats per image at batch 4096 (32 TiB).
  Plan huge;
  huge.values = {{16384, 16384, 8}, {16384, 16384, 8}};
  OpDesc op;
  op.kind = OpKind::pwconv_bn_act;
  op.x = 0;
  op.y = 1;
  op.weight.assign(64, 0.1f);
  op.bias.assign(8, 0.0f);
  huge.ops.push_back(op);
  huge.outputs = {1};
  auto hm = Model::compile(huge, CompileOptions{});
  float dummy = 0;
  float* hp[] = {&dummy};
  expect_error(kErrOutOfMemory, "impossible arena", [&] { hm->run(&dummy, 4096, hp); });
  const RuntimeInfo info = runtime_info();
  std::string feats;
  for (const auto& f : info.cpu_features) feats += f + " ";
  std::printf("  runtime_info: features [%s] fast = %s, hardware threads %d\n", feats.c_str(), info.cpu_kernels.c_str(),
              info.hardware_threads);
}

// Two models (and two callers on one model) running at once share the process-wide pool.
void test_concurrency() {
  SyntheticOptions o;
  o.resolution = 48;
  const Plan plan = make_synthetic_plan(o);
  auto a = Model::compile(plan, CompileOptions{});
  auto b = Model::compile(plan, CompileOptions{});
  const auto input = random_input(plan, 2, 5);
  const auto want = run(*a, input, 2);
  std::atomic<int> mismatches{0};
  auto worker = [&](Model* m) {
    for (int i = 0; i < 6; ++i) {
      if (run(*m, input, 2) != want) mismatches.fetch_add(1);
    }
  };
  std::thread t1(worker, a.get()), t2(worker, b.get()), t3(worker, a.get());
  t1.join();
  t2.join();
  t3.join();
  expect(mismatches.load() == 0, "concurrent runs on two models give the serial results");
}

// ThreadPool::parallel_for: every task runs exactly once, on a thread index below the pool's capacity,
// for task counts around the thread count and the per-thread ranges' bounds, with nested calls and
// with callers on several threads at once (the ranges are shared by whoever joins the job).
void test_thread_pool() {
  ThreadPool& pool = ThreadPool::instance();
  const int32_t cap = pool.capacity();
  bool once = true;
  std::atomic<bool> index_ok{true};
  for (int64_t n : {1, 2, 3, 7, 16, 17, 33, 1000}) {
    for (int32_t threads : {1, 2, 3, cap, 64}) {
      std::vector<std::atomic<int32_t>> hits(static_cast<size_t>(n));
      pool.parallel_for(n, threads, [&](int64_t task, int32_t thread) {
        hits[size_t(task)].fetch_add(1, std::memory_order_relaxed);
        if (thread < 0 || thread >= cap) index_ok = false;
      });
      for (auto& h : hits) once = once && h.load() == 1;
    }
  }
  expect(once, "parallel_for runs every task exactly once (1..1000 tasks, 1..64 threads)");
  expect(index_ok, "parallel_for's thread indices are below the pool's capacity");
  std::vector<std::atomic<int32_t>> nested(static_cast<size_t>(9 * 13));
  pool.parallel_for(9, cap, [&](int64_t outer, int32_t) {
    pool.parallel_for(13, cap, [&](int64_t inner, int32_t) { nested[size_t(outer * 13 + inner)].fetch_add(1); });
  });
  bool nested_once = true;
  for (auto& h : nested) nested_once = nested_once && h.load() == 1;
  expect(nested_once, "nested parallel_for runs every inner task exactly once");
  std::atomic<int64_t> total{0};
  auto caller = [&] {
    for (int i = 0; i < 200; ++i) pool.parallel_for(37, cap, [&](int64_t task, int32_t) { total.fetch_add(task + 1); });
  };
  std::thread c1(caller), c2(caller), c3(caller);
  c1.join();
  c2.join();
  c3.join();
  expect(total.load() == 3 * 200 * (37 * 38 / 2), "parallel_for from three threads at once runs every task once");
  // Joining workers keep their own slot as thread index when they can, whatever order they join in.
  uint64_t taken = 1;
  const int32_t a = take_thread_index(taken, 3, 1, 3), b = take_thread_index(taken, 3, 2, 1),
                c = take_thread_index(taken, 3, 3, 2);
  expect(a == 3 && b == 1 && c == 2, "a joining worker takes its own slot as thread index");
  taken = 1;
  const int32_t d = take_thread_index(taken, 2, 1, 7), e = take_thread_index(taken, 2, 2, 1);
  expect(d == 1 && e == 2, "a worker whose slot is past the job's helpers, or taken, gets the lowest free index");
  taken = 1;
  expect(take_thread_index(taken, 70, 5, 9) == 5, "past 63 helpers the index is the join order");
}

// Model::profile: its steps cover every op once, in order (fused pairs as one step), the band shows
// at batch 3 and 224 px, and the model runs as before afterwards.
void test_profile() {
  SyntheticOptions o;
  o.resolution = 224;
  const Plan plan = make_synthetic_plan(o);
  auto model = Model::compile(plan, CompileOptions{});
  const auto input = random_input(plan, 3, 9);
  const auto before = run(*model, input, 3);
  const RunProfile p = model->profile(input.data(), 3, 2);
  int32_t next = 0;
  bool fused = false;
  for (const StepTime& s : p.steps) {
    expect(s.first_op == next && s.ms >= 0 && s.flops > 0 && s.bytes > 0, "profile step " + std::to_string(next) + " in order, measured, costed");
    fused = fused || s.op_count == 2;
    next += s.op_count;
  }
  expect(next == int32_t(plan.ops.size()), "profile steps cover every op once");
  expect(fused, "a fused expand + dwconv step is profiled as one");
  expect(p.band_steps > 0 && p.run_ms > 0, "the per-image band shows in the profile");
  expect(run(*model, input, 3) == before, "runs after a profile give the same results");
  bool threw = false;
  try {
    model->profile(input.data(), 3, 0);
  } catch (const Error& e) {
    threw = e.code() == kErrInvalidOption;
  }
  expect(threw, "profile with 0 runs is ERR_INVALID_OPTION");
}

}  // namespace

int main(int argc, char** argv) {
  const int32_t res = argc > 1 ? std::atoi(argv[1]) : 64;
  std::printf("network (B0-shaped, res %d):\n", res);
  test_network(false, res);
  test_network(true, res);
  // At 224 and batch 3 the early ops' activations pass Model's per-image band threshold
  // (core/memory_plan.h) and the 112x112x96 expand is fused with its dwconv (cpu/expand_dw.h) inside
  // the band, so both paths are checked against the reference, thread counts and batch-1 runs.
  std::printf("network, per-image band + fused expand (res 224):\n");
  test_network(false, 224);
  test_network(true, 224);
  std::printf("avx512 GEMM tiles:\n");
  test_gemm_tiles(64);
  test_gemm_tiles(224);
  std::printf("fused expand + dwconv:\n");
  test_expand_dw();
  std::printf("validation:\n");
  test_validation();
  std::printf("plan files:\n");
  test_plan_io();
  std::printf("concurrency:\n");
  test_concurrency();
  test_thread_pool();
  std::printf("prefetch plan:\n");
  for (const NamedCheck& c : prefetch_plan_checks()) expect(c.ok, c.what);
  std::printf("tiling:\n");
  for (const NamedCheck& c : tiling_checks()) expect(c.ok, c.what);
  std::printf("errors:\n");
  test_errors();
  std::printf("profile:\n");
  test_profile();
  std::printf("simd activations (max relative error vs double libm over [-87, 87]):\n");
  for (const SimdMathError& e : simd_math_errors()) {
    std::printf("  %s: exp(-x) %.3g  sigmoid %.3g  swish %.3g\n", e.level.c_str(), e.exp_neg, e.sigmoid, e.swish);
    expect(e.exp_neg < 1e-6 && e.sigmoid < 1e-6 && e.swish < 1e-6, e.level + ": activations within 1e-6 of libm");
  }
  std::printf("effnet_core_test: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
