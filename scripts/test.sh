#!/bin/sh
# test.sh - run every ctest test of the sanitizer build (build-asan/).
# Services that tests need (PostgreSQL, a DNS server...) are started by the
# hooks in scripts/services.d/*.sh ("start" / "stop") and stopped afterwards,
# also when a test fails. ctest's summary ends the output.
set -u
cd "$(dirname "$0")/.." || exit 1
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
BN_SERVICES_DIR=$(mktemp -d /tmp/bounce-test.XXXXXX)
export BN_SERVICES_DIR

stop_services() {
  for s in scripts/services.d/*.sh; do
    [ -f "$s" ] && sh "$s" stop >/dev/null 2>&1
  done
  rm -rf "$BN_SERVICES_DIR"
}
trap stop_services EXIT
trap 'exit 130' INT TERM

for s in scripts/services.d/*.sh; do
  [ -f "$s" ] || continue
  sh "$s" start || echo "test.sh: $(basename "$s" .sh) did not start; its tests will fail" >&2
done

ctest --test-dir build-asan --output-on-failure -j "${JOBS:-2}"
