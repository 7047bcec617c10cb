#!/bin/sh
# dns.sh start|stop - the DNS servers bounce doctor's tests query, on loopback
# ports only (no test reaches the internet):
#   - NSD serving the zones of tests/doctor/zones/ (fake blocklists named like
#     the real ones, PTR zones, SPF/DMARC/DKIM/MX records of *.test domains);
#   - tests/doctor/flaky_dns.py, one UDP port per failure mode (SERVFAIL,
#     REFUSED, NXDOMAIN, no answer, truncated, malformed).
# Ports are chosen free at start and written to $BN_SERVICES_DIR/dns.env
# (BN_DNS_SERVER=127.0.0.1:PORT, BN_DNS_<MODE>=127.0.0.1:PORT), which the tests
# read. NSD comes from Debian (scripts/deps-test.d/doctor.txt); if it is
# missing, "start" installs it, then stops and disables the system service the
# package starts, so that nothing is left listening on port 53.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
: "${BN_SERVICES_DIR:=/tmp/bounce-services-$(id -u)}"
DIR="$BN_SERVICES_DIR/dns"
ENV="$BN_SERVICES_DIR/dns.env"

# free_port - a port the kernel says is free on 127.0.0.1 (UDP and TCP)
free_port() {
  python3 -c '
import socket
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        t.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        t.close(); u.close()
'
}

# quiet_system_nsd - stop and disable the nsd service a fresh install started
quiet_system_nsd() {
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now nsd >/dev/null 2>&1
  else
    command -v update-rc.d >/dev/null 2>&1 && update-rc.d nsd disable >/dev/null 2>&1
    [ -f /run/nsd/nsd.pid ] && [ -x /etc/init.d/nsd ] && /etc/init.d/nsd stop >/dev/null 2>&1
  fi
  return 0
}

# system_nsd_unconfigured - the package's nsd.conf serves no zone: a system
# nsd running with it was started by the package install, not by an admin
system_nsd_unconfigured() {
  ls /etc/nsd/nsd.conf.d/*.conf >/dev/null 2>&1 && return 1
  grep -q '^[[:space:]]*zone:' /etc/nsd/nsd.conf 2>/dev/null && return 1
  return 0
}

# ensure_nsd - install NSD when missing
ensure_nsd() {
  command -v nsd >/dev/null 2>&1 && return 0
  [ -x /usr/sbin/nsd ] && return 0
  BN_EXTRA_PKGS="$(grep -v '^#' scripts/deps-test.d/doctor.txt | tr '\n' ' ')" \
    sh scripts/deps.sh test || return 1
  quiet_system_nsd
  [ -x /usr/sbin/nsd ]
}

# write_conf - nsd.conf for our zones on PORT, everything under DIR
write_conf() {
  port=$1
  {
    echo "server:"
    echo "  ip-address: 127.0.0.1"
    echo "  port: $port"
    echo "  ip4-only: yes"
    echo "  username: \"\""
    echo "  chroot: \"\""
    echo "  zonesdir: \"$ROOT/tests/doctor/zones\""
    echo "  database: \"\""
    echo "  zonelistfile: \"$DIR/zone.list\""
    echo "  xfrdfile: \"$DIR/xfrd.state\""
    echo "  pidfile: \"$DIR/nsd.pid\""
    echo "  logfile: \"$DIR/nsd.log\""
    echo "  server-count: 1"
    echo "  hide-version: yes"
    echo "  verbosity: 1"
    echo "remote-control:"
    echo "  control-enable: no"
    for f in tests/doctor/zones/*.zone; do
      z=$(basename "$f" .zone)
      echo "zone:"
      echo "  name: \"$z\""
      echo "  zonefile: \"$z.zone\""
    done
  } >"$DIR/nsd.conf"
}

# wait_for - until a file exists, at most 10 s
wait_for() {
  i=0
  while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ -s "$1" ]
}

# probe - NSD answers a SOA query for "test" on PORT within 5 s
probe() {
  python3 -c '
import socket, sys, time
q = b"\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04test\x00\x00\x06\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.25)
end = time.monotonic() + 5
while time.monotonic() < end:
    s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
    try:
        r = s.recv(512)
        if r[:2] == q[:2] and r[3] & 15 == 0: sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
' "$1"
}

start() {
  stop
  ensure_nsd || { echo "dns.sh: NSD is not installed and could not be" >&2; return 1; }
  # deps.sh may have installed nsd before us (make test): same rule
  system_nsd_unconfigured && quiet_system_nsd
  mkdir -p "$DIR" || return 1
  port=$(free_port)
  [ -n "$port" ] || { echo "dns.sh: no free port" >&2; return 1; }
  write_conf "$port"
  nsd-checkconf "$DIR/nsd.conf" || return 1
  nsd -c "$DIR/nsd.conf" || { cat "$DIR/nsd.log" >&2 2>/dev/null; return 1; }
  wait_for "$DIR/nsd.pid" && probe "$port" || {
    echo "dns.sh: NSD did not answer on 127.0.0.1:$port" >&2
    cat "$DIR/nsd.log" >&2 2>/dev/null
    return 1
  }
  python3 tests/doctor/flaky_dns.py "$DIR/flaky.ports" >/dev/null 2>&1 &
  echo $! >"$DIR/flaky.pid"
  wait_for "$DIR/flaky.ports" || { echo "dns.sh: flaky_dns.py did not start" >&2; return 1; }
  {
    echo "BN_DNS_SERVER=127.0.0.1:$port"
    while read -r mode p; do
      echo "BN_DNS_$(echo "$mode" | tr a-z A-Z)=127.0.0.1:$p"
    done <"$DIR/flaky.ports"
  } >"$ENV.tmp" && mv "$ENV.tmp" "$ENV"
}

# stop_pid - end the process whose id a pidfile holds (ours only)
stop_pid() {
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  case "$pid" in '' | *[!0-9]*) rm -f "$1"; return 0 ;; esac
  kill "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
  kill -9 "$pid" 2>/dev/null
  rm -f "$1"
}

stop() {
  stop_pid "$DIR/nsd.pid"
  stop_pid "$DIR/flaky.pid"
  rm -rf "$DIR" "$ENV"
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: dns.sh start|stop" >&2; exit 2 ;;
esac
