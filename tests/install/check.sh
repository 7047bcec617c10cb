#!/bin/sh
# check.sh BUILD_DIR SOURCE_DIR CC "SAN_FLAGS" - install into a scratch prefix,
# then build a consumer program with pkg-config against the shared and the
# static library and run both: the header, the .pc file (relocatable prefix,
# Libs.private) and both libraries must work outside the tree.
set -eu
build=$1 src=$2 cc=$3 san=$4
prefix=$(mktemp -d /tmp/bounce-install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/bounce include/bounce.h; do
  [ -e "$prefix/$f" ] || { echo "missing $f after install"; exit 1; }
done
pc=$(find "$prefix" -name bounce.pc)
[ -n "$pc" ] || { echo "no bounce.pc installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir bounce)
[ -e "$libdir/libbounce.a" ] && ls "$libdir"/libbounce.so.* >/dev/null || {
  echo "libraries missing in $libdir"; exit 1; }
expected="$("$prefix/bin/bounce" --version | cut -d' ' -f2) userunknown 5.1.1 suppress"
# shellcheck disable=SC2046,SC2086
$cc $san -o "$prefix/shared" "$src/tests/install/consumer.c" \
  $(pkg-config --cflags --libs bounce) -Wl,-rpath,"$libdir"
# shellcheck disable=SC2046,SC2086
$cc $san -o "$prefix/static" "$src/tests/install/consumer.c" \
  $(pkg-config --cflags bounce) "$libdir/libbounce.a" \
  $(pkg-config --static --libs-only-l bounce | sed 's/-lbounce//')
for kind in shared static; do
  got=$("$prefix/$kind")
  [ "$got" = "$expected" ] || { echo "$kind: got '$got', expected '$expected'"; exit 1; }
done
# PostgreSQL from both: libpq is opened with dlopen on the first PostgreSQL
# store (the static link needs no -lpq). Missing libpq: the fix is named; the
# installed libpq: a server that is not there is reported by libpq itself.
# A build without the backend says so instead.
nopg="not part of this build"
for kind in shared static; do
  got=$(BN_LIBPQ=/nonexistent/libpq.so.5 "$prefix/$kind" pg:)
  case $got in
    *"apt-get install libpq5"*|*"$nopg"*) ;;
    *) echo "$kind without libpq: got '$got'"; exit 1 ;;
  esac
  if ldconfig -p 2>/dev/null | grep -q 'libpq\.so\.5 '; then
    got=$("$prefix/$kind" "pg:host=$prefix/nowhere port=1")
    case $got in
      *"cannot connect to the PostgreSQL server"*|*"$nopg"*) ;;
      *) echo "$kind with libpq: got '$got'"; exit 1 ;;
    esac
  fi
done
echo "install: bounce, header, pkg-config, shared and static library all work"
