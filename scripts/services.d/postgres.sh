#!/bin/sh
# postgres.sh start|stop - a throwaway PostgreSQL cluster for the store tests
# (the PostgreSQL backend, tests/store/pg.sh): initdb into
# $BN_SERVICES_DIR/pg/data as the postgres user (initdb refuses root), a unix
# socket in $BN_SERVICES_DIR/pg and no TCP listener, trust authentication
# for the superuser "bounce" on that socket only. The connection settings go
# to $BN_SERVICES_DIR/pg.env, which the tests read:
#   BN_PG_URI=postgresql:///bounce?host=DIR&port=PORT&user=bounce
#   BN_PG_HOST, BN_PG_PORT, BN_PG_USER, BN_PG_DATA, BN_PG_BIN, BN_PG_OWNER
#   (the user pg_ctl must run as)
# "stop" ends the server and removes everything (test.sh calls it on exit,
# also when a test fails).
#
# PostgreSQL comes from Debian (scripts/deps-test.d/pg.txt). If missing,
# "start" installs it with service starts refused (policy-rc.d); a system
# cluster the package created (initdb'd in the last 2 hours, only the
# default databases: what deps.sh's install of scripts/deps-test.d/pg.txt
# leaves) is stopped and set to manual start, so that nothing of the install
# is left running.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${BN_SERVICES_DIR:=/tmp/bounce-services-$(id -u)}"
DIR="$BN_SERVICES_DIR/pg"
ENV="$BN_SERVICES_DIR/pg.env"
PORT=54329

# pg_bin - the newest installed server's bin directory
pg_bin() {
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

# install_pg - the packages of deps-test.d/pg.txt, no service started
install_pg() {
  [ "$(id -u)" -eq 0 ] || return 1
  made_policy=no
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    made_policy=yes
  fi
  BN_EXTRA_PKGS="$(grep -v '^#' scripts/deps-test.d/pg.txt | tr '\n' ' ')" \
    sh scripts/deps.sh test
  rc=$?
  [ $made_policy = yes ] && rm -f /usr/sbin/policy-rc.d
  return $rc
}

# fresh_cluster VERSION NAME - a cluster the package install just created:
# initdb'd within the last 2 hours and holding no user database (an admin's
# cluster, or an older one, is never touched)
fresh_cluster() {
  data=$(pg_lsclusters -h 2>/dev/null | awk -v v="$1" -v c="$2" '$1 == v && $2 == c {print $6}')
  [ -d "$data/base" ] && [ -f "$data/PG_VERSION" ] || return 1
  [ -n "$(find "$data/PG_VERSION" -mmin -120 2>/dev/null)" ] || return 1
  [ "$(ls "$data/base" | wc -l)" -le 3 ]
}

# quiet_system_clusters - stop and set to manual what the install started
quiet_system_clusters() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  pg_lsclusters -h 2>/dev/null | while read -r ver name port status rest; do
    fresh_cluster "$ver" "$name" || continue
    if [ "$status" = online ]; then
      pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1
    fi
    conf=/etc/postgresql/$ver/$name/start.conf
    [ -w "$conf" ] && sed -i "s/^auto$/manual/" "$conf"
  done
  return 0
}

# as_owner CMD... - run as the cluster's owner (postgres when we are root)
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# wait_ready - the server accepts connections, at most 30 s
wait_ready() {
  i=0
  while [ $i -lt 300 ]; do
    "$BIN/pg_isready" -q -h "$DIR" -p $PORT && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

start() {
  stop
  BIN=$(pg_bin) || { install_pg && BIN=$(pg_bin); } ||
    { echo "postgres.sh: PostgreSQL is not installed and could not be" >&2; return 1; }
  quiet_system_clusters
  mkdir -p "$DIR" || return 1
  if [ "$(id -u)" -eq 0 ]; then
    chmod 711 "$BN_SERVICES_DIR"   # the postgres user must reach $DIR
    chown postgres:postgres "$DIR" || return 1
  fi
  locale=C.UTF-8
  locale -a 2>/dev/null | grep -qix 'c.utf-\?8' || locale=C
  as_owner "$BIN/initdb" -D "$DIR/data" -U bounce -A trust -E UTF8 \
    --locale="$locale" --no-sync >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; return 1; }
  # unix socket only; fsync off unless BN_PG_FSYNC=on (bench): a throwaway
  # cluster, speed over durability
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
    -o "-k $DIR -p $PORT -c listen_addresses='' -c fsync=${BN_PG_FSYNC:-off} -c max_connections=60" \
    start >/dev/null || { cat "$DIR/server.log" >&2; return 1; }
  wait_ready || { echo "postgres.sh: the server did not come up" >&2; return 1; }
  "$BIN/createdb" -h "$DIR" -p $PORT -U bounce bounce ||
    { echo "postgres.sh: createdb failed" >&2; return 1; }
  {
    echo "BN_PG_URI='postgresql:///bounce?host=$DIR&port=$PORT&user=bounce'"
    echo "BN_PG_HOST='$DIR'"
    echo "BN_PG_PORT=$PORT"
    echo "BN_PG_USER=bounce"
    echo "BN_PG_DATA='$DIR/data'"
    echo "BN_PG_BIN='$BIN'"
    echo "BN_PG_FSYNC=${BN_PG_FSYNC:-off}"
    echo "BN_PG_OWNER=$([ "$(id -u)" -eq 0 ] && echo postgres || id -un)"
  } >"$ENV.tmp" && mv "$ENV.tmp" "$ENV"
}

stop() {
  if [ -f "$DIR/data/postmaster.pid" ]; then
    BIN=$(pg_bin) && as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 \
      stop >/dev/null 2>&1
  fi
  rm -rf "$DIR" "$ENV"
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: postgres.sh start|stop" >&2; exit 2 ;;
esac
