#!/bin/sh
# release.sh - the release build (make release, run, bench, install):
# profile-guided, in three steps.
#   1. build-train/: the tool built with instrumentation (preset release-train)
#   2. run it on the bounces this project wrote (samples/, tests/) and its
#      MTA logs: parse, ingest, the log reader; the counts go to
#      build-train/profile/. Done again when step 1 rebuilt the tool or the
#      training inputs changed.
#   3. build/: the release build, optimised with that profile (gcc -O2
#      -fprofile-use): 3-5% less CPU time per parse than without, in
#      interleaved runs (README, "Accuracy and speed"; bench/results.md).
#      Ninja does not know the profile: a build/ that was ever built without
#      one (no build/.profiled) is cleaned first, so no unit keeps plain code.
# The training never reads ../shared/corpus: the bench measures on it.
# BN_PGO=0 builds build/ without a profile (one step, half the build time).
set -eu
cd "$(dirname "$0")/.."
cd "$(pwd -P)" # gcc names profiles by real paths: no symlink in ours
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
train=build-train
profile=$train/profile
stamp=$profile/.trained
marker=build/.profiled

# training_mbox - every .eml of samples/ and tests/ as one mbox message
training_mbox() {
  find samples tests -name '*.eml' -type f | LC_ALL=C sort | while read -r f; do
    echo "From MAILER-DAEMON Mon Nov 30 07:00:00 2026"
    sed 's/^\(>*From \)/>\1/' "$f"
    echo
  done
}

# stale - the profile is missing, or older than the tool or its inputs
stale() {
  [ ! -f "$stamp" ] || [ "$train/bounce" -nt "$stamp" ] ||
    [ -n "$(find samples tests/logs scripts/release.sh -newer "$stamp" -type f | head -n 1)" ] ||
    [ -n "$(find tests -name '*.eml' -newer "$stamp" | head -n 1)" ]
}

# train - the instrumented tool on the training inputs; the profile is
# written when each process exits
train() {
  rm -rf "$profile"
  mkdir -p "$profile"
  work=$(mktemp -d "${TMPDIR:-/tmp}/bounce-train.XXXXXX")
  trap 'rm -rf "$work"' EXIT INT TERM
  training_mbox >"$work/train.mbox"
  bin=$train/bounce
  for _ in 1 2 3; do # parse is the main job: it weighs most
    "$bin" parse --json "$work/train.mbox" >/dev/null
  done
  "$bin" parse --format table "$work/train.mbox" >/dev/null
  "$bin" ingest --db "$work/train.db" "$work/train.mbox" >/dev/null 2>&1 || true
  for log in tests/logs/*.log; do
    "$bin" ingest --db "$work/train.db" --log "$log" >/dev/null 2>&1 || true
  done
  "$bin" report --db "$work/train.db" --since all >/dev/null 2>&1 || true
  rm -rf "$work"
  trap - EXIT INT TERM
  touch "$stamp"
}

if [ "${BN_PGO:-1}" = 0 ]; then
  rm -f "$marker"
  cmake --preset release -DBN_PGO= >/dev/null
  exec cmake --build --preset release -j "$JOBS"
fi
cmake --preset release-train >/dev/null
cmake --build --preset release-train -j "$JOBS" --target bounce
if stale; then
  echo "release.sh: training the profile-guided build on samples/ and tests/" >&2
  train
fi
cmake --preset release -DBN_PGO=use >/dev/null
[ -f "$marker" ] || cmake --build --preset release --target clean >/dev/null
cmake --build --preset release -j "$JOBS"
touch "$marker"
