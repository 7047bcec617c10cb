#!/bin/sh
# deps.sh - install what the build (or the named extra set) needs and is
# missing, from Debian's packages, without prompts. Usage: deps.sh [build|test|bench|fuzz]
set -eu
set_name=${1:-build}

pkgs="build-essential cmake ninja-build pkg-config libsqlite3-dev libpq-dev libc-ares-dev"
case "$set_name" in
  build) ;;
  test) pkgs="$pkgs libcmocka-dev python3 sqlite3" ;;
  bench) pkgs="$pkgs libsisimai-perl" ;;
  fuzz) pkgs="$pkgs clang libclang-rt-dev" ;;
  *) echo "deps.sh: unknown set '$set_name'" >&2; exit 2 ;;
esac
[ -n "${BN_EXTRA_PKGS:-}" ] && pkgs="$pkgs $BN_EXTRA_PKGS"
# Extra packages a module's tests need are listed one per line in
# scripts/deps-<set>.d/*.txt so that modules do not edit this script.
for f in "$(dirname "$0")"/deps-"$set_name".d/*.txt; do
  [ -f "$f" ] && pkgs="$pkgs $(grep -v '^#' "$f" | tr '\n' ' ')"
done

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
    exit 1
  fi
else
  SUDO=""
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# debconf answers a module's packages need (scripts/deps-<set>.d/*.debconf)
for f in "$(dirname "$0")"/deps-"$set_name".d/*.debconf; do
  [ -f "$f" ] && $SUDO debconf-set-selections "$f"
done
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
