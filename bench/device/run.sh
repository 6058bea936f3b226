#!/usr/bin/env bash
# One script for a GPU machine that has no Node: build the native core + CUDA backend with
# plain CMake, check CUDA against the CPU reference, run compute-sanitizer on a few small cases,
# benchmark our CUDA backend and torchvision, print a comparison table last. Logs go to $OUT
# (at most 8 files come back): build.log check.log sanitizer.log bench.log torch.log ours.json
# torch.json summary.txt.
#
# WHAT IS COMPARED WITH WHAT -- read before quoting a number:
#  * Correctness is CUDA vs the CPU reference kernels on the SAME plan and weights (effnet_cuda
#    check): every op case of native/test/op_cases in fp32 and fp16, then whole networks.
#  * Speed vs PyTorch uses torchvision's efficientnet_b0/b3 with torchvision's OWN random init
#    (same shapes, different numbers): speed only. Plans are made here from a seed by
#    effnet_make_plan --variant b0|b3 (B0's and B3's real widths, depths and resolutions with
#    seeded weights; no Node, nothing large travels). A plan saved by the TS layer (savePlan) at
#    $EFFNET_B3_PLAN (carried) replaces the synthetic B3.
#
# Usage (repository root): bash bench/device/run.sh        env: OUT (default ./device-out),
#   TORCH_COMPILE_BUDGET_S (default 120; 0 = skip torch.compile), BATCHES (default 1,8,64,256),
#   STAGES (default build,check,sanitize,bench,torch). The whole run is ~8-10 min on an H100/H200
#   (build ~1.5, check ~1.5, sanitizer ~2, bench ~1, torch ~3-4); to stay inside one command's
#   10-minute limit with margin, split it over two calls on the same warm machine (the build dir
#   is kept):  STAGES=build,check,sanitize bash bench/device/run.sh ; STAGES=build,bench,torch ...
#   (build is incremental the second time).
#
# FIRST STEP on a fresh machine (before spending minutes on the whole script): build, then the
# smallest CUDA case alone -- one 1x1 linear kernel, fp32, no networks; it proves the context,
# the allocations, the eager run and the graph replay work (bench/device/README.md):
#   cmake -S . -B build-device -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 && cmake --build build-device --target effnet_cuda
#   EFFICIENTNET_REQUIRE_CUDA=1 build-device/effnet_cuda check --no-net --precision fp32 --filter linear/ci1_co1_b1
set -uo pipefail
OUT=${OUT:-$PWD/device-out}
mkdir -p "$OUT"
BUILD=${BUILD:-build-device}
BATCHES=${BATCHES:-1,8,64,256}
TORCH_COMPILE_BUDGET_S=${TORCH_COMPILE_BUDGET_S:-120}
STAGES=${STAGES:-build,check,sanitize,bench,torch}
want() { case ",$STAGES," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
status=0
summary="$OUT/summary.txt"
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }
stamp() { date +%H:%M:%S; }

note "== $(stamp) device: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo unknown)"

# 1. Build: the core, the tools and the CUDA backend, for this GPU only (sm_90: H100/H200).
note "== $(stamp) build"
want build || { echo "STAGES must include build (it is incremental)"; exit 2; }
if ! { cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEFFNET_BUILD_TOOLS=ON \
         -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc &&
       cmake --build "$BUILD" -j "$(nproc)" --target effnet_cuda effnet_make_plan; } >"$OUT/build.log" 2>&1; then
  note "BUILD FAILED (tail of build.log follows)"; tail -40 "$OUT/build.log"; exit 1
fi
note "build ok ($(grep -c 'Building CUDA' "$OUT/build.log") CUDA objects)"
T="$BUILD"
"$T/effnet_cuda" status | tee -a "$summary"

# 2. Plans (seeded, synthetic): B0 and B3 at their real widths, depths and resolutions.
"$T/effnet_make_plan" "$BUILD/b0.bin" --variant b0 --seed 1 >>"$OUT/build.log" 2>&1
B3NAME=b3
if [ -n "${EFFNET_B3_PLAN:-}" ] && [ -f "$EFFNET_B3_PLAN" ]; then
  cp "$EFFNET_B3_PLAN" "$BUILD/b3.bin"
else
  "$T/effnet_make_plan" "$BUILD/b3.bin" --variant b3 --seed 3 >>"$OUT/build.log" 2>&1
fi
note "plans: b0 (224) and b3 (300), seeded weights"

# 3. Equality checks: every op case (fp32 + fp16) and whole networks vs the CPU reference.
if want check; then
note "== $(stamp) effnet_cuda check"
EFFICIENTNET_REQUIRE_CUDA=1 "$T/effnet_cuda" check --precision all --plan "$BUILD/$B3NAME.bin" >"$OUT/check.log" 2>&1
rc=$?
grep -E "FAIL|effnet_cuda check:|ERR_" "$OUT/check.log" | tail -40 | tee -a "$summary"
if [ $rc -ne 0 ]; then
  status=1
  note "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  note "!!! effnet_cuda check FAILED (exit $rc): the benchmarks below time a backend that is WRONG !!!"
  note "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
fi
fi

# 4. compute-sanitizer on a few small cases: every kernel, odd shapes, both precisions.
if want sanitize; then
note "== $(stamp) compute-sanitizer"
SMALL='conv_bn_act/k3_s2_same_h13_w17|dwconv_bn_act/k5_s2_same_h17_w13|dwconv_bn_act/k3_s1_sym_h16_w16|se_gate/c61|pwconv_bn_act/h13_w17_ci61_co100|pwconv_bn_act/h7_w7_ci100_co61_gate_res|head_pool/h13_w17_ci61_co100_map|linear/ci100_co61'
: >"$OUT/sanitizer.log"
if command -v compute-sanitizer >/dev/null 2>&1; then
  for tool in memcheck racecheck synccheck; do
    echo "--- $tool" >>"$OUT/sanitizer.log"
    EFFICIENTNET_REQUIRE_CUDA=1 timeout 100 compute-sanitizer --tool $tool --error-exitcode 9 \
      "$T/effnet_cuda" check --no-net --precision all --quiet --filter "$SMALL" >>"$OUT/sanitizer.log" 2>&1
    rc=$?
    # Anything but 0 fails the run: 9 = the sanitizer found an error, 124 = timed out (a hang, or
    # a run too slow to have been checked at all), 1 = the check itself failed under the sanitizer.
    case $rc in
      0) verdict=ok ;;
      124) verdict="FAILED: timed out after 100 s (see sanitizer.log)" ;;
      9) verdict="FAILED: sanitizer errors (see sanitizer.log)" ;;
      *) verdict="FAILED (see sanitizer.log)" ;;
    esac
    note "compute-sanitizer $tool: exit $rc $verdict"
    [ $rc -ne 0 ] && status=1
  done
else
  note "compute-sanitizer not found"
fi
fi

# 5. Our benchmarks.
if want bench; then
note "== $(stamp) effnet_cuda bench"
EFFICIENTNET_REQUIRE_CUDA=1 "$T/effnet_cuda" bench --plan "$BUILD/b0.bin" --plan "$BUILD/$B3NAME.bin" \
  --batch "$BATCHES" --precision fp32,fp16 --iters 20 --warmup 3 --json "$OUT/ours.json" 2>&1 | tee "$OUT/bench.log"
[ "${PIPESTATUS[0]}" -ne 0 ] && { status=1; note "effnet_cuda bench FAILED"; }
fi

# 6. torchvision, same batch sizes, same GPU, same call.
if want torch; then
note "== $(stamp) torch_bench.py"
compile_flag=""
[ "$TORCH_COMPILE_BUDGET_S" = "0" ] && compile_flag="--no-compile"
ours_json=""
[ -f "$OUT/ours.json" ] && ours_json="--ours $OUT/ours.json"
PYTHONUNBUFFERED=1 timeout 360 python3 bench/device/torch_bench.py --models b0,b3 --batch "$BATCHES" $compile_flag \
  --compile-budget-s "$TORCH_COMPILE_BUDGET_S" --json "$OUT/torch.json" $ours_json >"$OUT/torch.log" 2>&1
rc=$?
[ $rc -ne 0 ] && note "torch_bench.py exit $rc (see torch.log)"
fi

# 7. The table, last.
note "== $(stamp) summary"
[ -f "$OUT/torch.log" ] && sed -n '/== comparison/,$p' "$OUT/torch.log" | tee -a "$summary"
note "overall: $([ $status -eq 0 ] && echo OK || echo FAILED)"
exit $status
