#!/bin/sh
# run.sh - run every built libFuzzer harness for a while (make fuzz).
#
# Usage: fuzz/run.sh [SECONDS [TARGET...]]
#   SECONDS  time per target (default 60, or $FUZZ_SECONDS); with FUZZ_CPU=1
#            these are CPU seconds of the fuzzer process, not wall seconds, so a
#            run at low priority on a busy machine still gets its full budget
#   TARGET   only these targets ("mime", "dsn"...); default: every
#            build-fuzz/fuzz/fuzz_<target> that is built
# Environment: BN_FUZZ_BUILD, the fuzz build dir (default build-fuzz);
# BN_FUZZ_ROOT, the source tree (default: the one this script is in, so a copy
# of the script can run while the tree's own copy is edited); BN_CORPUS_DIR,
# the labelled corpus (default ../shared/corpus) whose messages also seed the
# message and mime targets when it is present.
# Targets run one after the other, one process each (the machine is shared).
#
# Each target runs on a working copy of fuzz/corpus/<target>/ plus
# fuzz/regressions/<target>/ under fuzz/out/<target>/corpus (gitignored), so
# the seeds in git are not flooded with generated inputs. When the corpus is
# empty, samples/*.eml seed it. Inputs that crash, leak, time out or run out
# of memory are copied to fuzz/regressions/<target>/, where the ctest test
# fuzz-replay/<target> replays them in every build from then on.
# Exit status: 0 when no target found anything, 1 otherwise, 2 on usage or
# build problems.
set -u
cd "${BN_FUZZ_ROOT:-$(dirname "$0")/..}" || exit 2
corpus_dir=${BN_CORPUS_DIR:-../shared/corpus}

secs=${1:-${FUZZ_SECONDS:-60}}
[ $# -gt 0 ] && shift
case "$secs" in
  ''|*[!0-9]*) echo "fuzz/run.sh: SECONDS must be a number, got '$secs'" >&2; exit 2 ;;
esac
build=${BN_FUZZ_BUILD:-build-fuzz}
bindir="$build/fuzz"

# A harness built with plain gcc has no libFuzzer main: refuse early.
if [ ! -d "$bindir" ]; then
  echo "fuzz/run.sh: $bindir does not exist; build with 'make fuzz' (cmake --preset fuzz)" >&2
  exit 2
fi

if [ $# -gt 0 ]; then targets="$*"; else
  targets=$(for f in "$bindir"/fuzz_*; do
    case "$f" in *_replay|*'*') continue ;; esac
    [ -x "$f" ] && basename "$f" | sed 's/^fuzz_//'
  done)
fi
if [ -z "$targets" ]; then
  echo "fuzz/run.sh: no harness built in $bindir (no fuzz/fuzz_*.c yet?)" >&2
  exit 2
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

found=0
summary=""

# cpu_seconds - user+system CPU seconds used so far by process $1 (0 if gone)
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print int(($12 + $13) / hz) }' \
    "/proc/$1/stat" 2>/dev/null || echo 0
}

# run_fuzzer - run "$@" for $secs of wall time, or of CPU time with FUZZ_CPU=1
# (libFuzzer only knows wall time: interrupt it with SIGINT, which makes it
# print its final stats and exit 72, once the process has used its budget)
run_fuzzer() {
  if [ "${FUZZ_CPU:-0}" != 1 ]; then "$@" -max_total_time="$secs"; return; fi
  "$@" -max_total_time=$((secs * 50)) &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    [ "$(cpu_seconds "$pid")" -ge "$secs" ] && { kill -INT "$pid"; break; }
    sleep 5
  done
  wait "$pid"
  rc=$?
  [ "$rc" = 72 ] && rc=0
  return $rc
}

# prepare_corpus - fresh working corpus for one target from the seeds in git
prepare_corpus() {
  t=$1 work=$2
  mkdir -p "$work/corpus" "$work/artifacts"
  for d in "fuzz/corpus/$t" "fuzz/regressions/$t"; do
    [ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$work/corpus/" \;
  done
  # whole real bounces are the best seeds for the message-level targets
  case "$t" in message|mime|parse)
    [ -d "$corpus_dir" ] && find "$corpus_dir" -name '*.eml' -type f |
      while IFS= read -r f; do
        cp "$f" "$work/corpus/$(printf '%s' "$f" | cksum | cut -d' ' -f1).eml"
      done ;;
  esac
  if [ -z "$(ls -A "$work/corpus")" ] && [ -d samples ]; then
    for s in samples/*.eml; do [ -f "$s" ] && cp "$s" "$work/corpus/"; done
  fi
}

# keep_artifacts - copy what libFuzzer saved into fuzz/regressions/<target>/
keep_artifacts() {
  t=$1 work=$2 n=0
  for a in "$work"/artifacts/crash-* "$work"/artifacts/leak-* \
           "$work"/artifacts/timeout-* "$work"/artifacts/oom-*; do
    [ -f "$a" ] || continue
    mkdir -p "fuzz/regressions/$t"
    cp "$a" "fuzz/regressions/$t/"
    echo "fuzz/run.sh: $t: kept $(basename "$a") as fuzz/regressions/$t/$(basename "$a")" \
         "- fix the bug; ctest fuzz-replay/$t replays it"
    n=$((n + 1))
  done
  return $n
}

for t in $targets; do
  exe="$bindir/fuzz_$t"
  if [ ! -x "$exe" ]; then
    echo "fuzz/run.sh: $exe not built, skipped" >&2
    summary="$summary
  $t: not built"
    found=1
    continue
  fi
  work="fuzz/out/$t"
  rm -rf "$work"
  prepare_corpus "$t" "$work"
  dict=""
  [ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
  unit=s; [ "${FUZZ_CPU:-0}" = 1 ] && unit=" CPU s"
  echo "== fuzz_$t: ${secs}${unit} on $(ls "$work/corpus" | wc -l) seeds (log: $work/fuzz.log)"
  # shellcheck disable=SC2086
  run_fuzzer "$exe" -rss_limit_mb=2048 -timeout=10 \
         -print_final_stats=1 -artifact_prefix="$work/artifacts/" $dict \
         "$work/corpus" >"$work/fuzz.log" 2>&1
  rc=$?
  # libFuzzer prints its final stats twice after a crash: show them once
  grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' "$work/fuzz.log" |
    awk '!seen[$1]++ { print "  " $0 }'
  # the last status line carries the coverage (edges) and features reached
  grep -E '^#[0-9]+' "$work/fuzz.log" | tail -1 | sed 's/^/  last: /'
  keep_artifacts "$t" "$work"
  kept=$?
  if [ $rc -ne 0 ] || [ $kept -ne 0 ]; then
    found=1
    grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' \
      "$work/fuzz.log" | sed 's/^/  /'
    summary="$summary
  $t: FAILED (exit $rc, $kept input(s) kept), see $work/fuzz.log"
  else
    summary="$summary
  $t: ok, corpus now $(ls "$work/corpus" | wc -l) inputs"
  fi
done

echo "fuzz/run.sh: summary:$summary"
exit $found
