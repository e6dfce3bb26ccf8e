#!/usr/bin/env bash
# One prepared check of ibcomplexity on an accelerator machine (issue 13): under 8 minutes on one
# H200. Run from the repository root, with the package installed:
#
#     bash benchmarks/device_check.sh            # results under benchmarks/results/device/
#     QUICK=1 bash benchmarks/device_check.sh    # small sizes: a smoke run on any machine (CPU)
#
# Steps (each is timed and its exit status recorded in summary.json; a failing step does not
# stop the others):
#   platform  what JAX sees (backend, device kind and count)
#   pytest    the default test suite on this machine (the GP cross-platform test included)
#   sampling  benchmarks/bench_sampling.py --mode gpu (GP fast/direct forms, NN chunks)
#   stats     exact delta and intrinsic dimension at 1e6 points x 784 dims
#   gp        the exact GP scaling curve, n_train 1e3 .. 6e4, n_test 1e4
#   nn        trained networks against the authors' torch loop and a torch.func.vmap ensemble
set -u
OUT=${OUT:-benchmarks/results/device}
PY=${PY:-python}
mkdir -p "$OUT"
if [ -n "${QUICK:-}" ]; then
  STATS_N=20000; GP_SIZES=500,1000; GP_TEST=500; SAMPLING=--quick; NN=--quick
  PYTEST_ARGS="-q -x tests/hypotheses/test_canonical.py tests/stats/test_stats_devices.py"
else
  STATS_N=1000000; GP_SIZES=1000,2000,5000,10000,20000,40000,60000; GP_TEST=10000
  SAMPLING=""; NN=""; PYTEST_ARGS="-q -x -p no:cacheprovider"
fi
SUMMARY="$OUT/summary.tsv"
: > "$SUMMARY"
step() {  # step NAME TIMEOUT_S COMMAND...
  local name=$1 limit=$2; shift 2
  local t0; t0=$(date +%s)
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$(( $(date +%s) - t0 ))" >> "$SUMMARY"
  echo "$name: exit $rc in $(( $(date +%s) - t0 )) s (log $OUT/$name.log)"
}
step platform 60 "$PY" -c "import json, ibcomplexity.sampling as s; print(json.dumps(s.platform_info()))"
step pytest 200 "$PY" -m pytest $PYTEST_ARGS
step sampling 90 "$PY" benchmarks/bench_sampling.py --mode gpu $SAMPLING --out "$OUT/sampling.json"
step stats 150 "$PY" benchmarks/bench_stats_scale.py --n "$STATS_N" --stages delta,mle \
  --out "$OUT/stats_scale.json"
step gp 120 "$PY" benchmarks/bench_gp_scale.py --n-train "$GP_SIZES" --n-test "$GP_TEST" \
  --out "$OUT/gp_scale.json"
step nn 90 "$PY" benchmarks/bench_nn.py $NN --out "$OUT/nn.json"
"$PY" - "$SUMMARY" "$OUT/summary.json" <<'PYEOF'
import json, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
steps = {name: {"exit": int(rc), "seconds": int(s)} for name, rc, s in rows}
json.dump(steps, open(sys.argv[2], "w"), indent=1)
print(json.dumps(steps))
PYEOF
