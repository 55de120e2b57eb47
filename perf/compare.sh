#!/usr/bin/env bash
# Usage: perf/compare.sh [SECONDS=10] [CONNS=50]
#
# The gateway and nginx side by side, in one run, measured the same way: the same PKI (openssl CLI,
# ../shared/bench/pki.sh), nginx (Debian package) with ssl_verify_client on answering a small JSON,
# the gateway answering a cached secret, and the same load harness modes against both, alternating
# server by server within each round (and which goes first from round to round) so that drift on a
# shared machine lands on both. Each server's CPU is read from /proc (all its processes: nginx's
# master and workers), so every figure is also given per server core-second, the one that stays fair
# when the load generator shares the cores. Loopback only; every run is bounded.
#
# Env: ROUNDS=2  MODES="handshake resume keepalive churn idle"  HS_CONNS=4 (handshake and resume loops)
#      IDLE_CONNS=10000  WARMUP=3s (per run)  JIT_WARMUP=20 (seconds of load before round 1)
#      KX_GROUPS=X25519 (key exchange offered to both; empty: BoringSSL's default, post-quantum first)
#      NGINX_PORT=28443 GW_PORT=28444  GW_JAVA_OPTS=...  KEEP=1 (keep the work folder: JSON of every run)
set -euo pipefail
SECS=${1:-10}; CONNS=${2:-50}
ROUNDS=${ROUNDS:-2}; MODES=${MODES:-handshake resume keepalive churn idle}
HS_CONNS=${HS_CONNS:-4}; IDLE_CONNS=${IDLE_CONNS:-10000}; WARMUP=${WARMUP:-3s}; JIT_WARMUP=${JIT_WARMUP:-20}
NGINX_PORT=${NGINX_PORT:-28443}; GW_PORT=${GW_PORT:-28444}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=${BENCH_DIR:-$ROOT/../shared/bench}
[[ -x $BENCH/pki.sh && -x $BENCH/nginx-mtls.sh ]] || { echo "shared bench scripts not found at $BENCH (set BENCH_DIR)" >&2; exit 2; }
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || { echo "needs nginx: apt-get install -y nginx" >&2; exit 2; }
command -v python3 >/dev/null || { echo "needs python3 (to read the harness's JSON)" >&2; exit 2; }
need_fds=$((IDLE_CONNS + 256))
if [[ " $MODES " == *" idle "* ]] && (( $(ulimit -n) < need_fds )); then
  ulimit -n "$need_fds" 2>/dev/null || { echo "idle mode needs ulimit -n >= $need_fds (now $(ulimit -n)); lower IDLE_CONNS" >&2; exit 2; }
fi

GW_JAR=$ROOT/proxy-server/target/mtls-proxy.jar; PERF_JAR=$ROOT/perf/target/benchmarks.jar
if [[ ! -f $GW_JAR || ! -f $PERF_JAR ]]; then
  (cd "$ROOT" && mvn -B -q -DskipTests -pl perf -am package)
fi
WORK=$(mktemp -d); PKI=$WORK/pki; OUT=$WORK/runs; mkdir -p "$OUT"
export BENCH_STATE=$WORK/state
GW_PID=
cleanup() {
  "$BENCH/nginx-mtls.sh" stop "$NGINX_PORT" >/dev/null 2>&1 || true
  if [[ -n $GW_PID ]]; then kill "$GW_PID" 2>/dev/null || true; wait "$GW_PID" 2>/dev/null || true; fi
  if [[ ${KEEP:-0} == 1 ]]; then echo "runs kept in $OUT"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

"$BENCH/pki.sh" "$PKI" >/dev/null 2>&1
# shellcheck source=bench/gateway.sh
source "$ROOT/perf/bench/gateway.sh"
bench_gateway_start "$GW_JAR" "$WORK" "$PKI" "$GW_PORT" || exit 1
"$BENCH/nginx-mtls.sh" start "$NGINX_PORT" "$PKI" >/dev/null 2>&1
NGINX_MASTER=$(cat "$(cat "$BENCH_STATE/nginx-$NGINX_PORT.prefix")/nginx.pid")
NGINX_PIDS=$(echo "$NGINX_MASTER" $(pgrep -P "$NGINX_MASTER") | tr ' ' ',')

# Both servers get the same key exchange: the harness (BoringSSL) would agree on the post-quantum X25519MLKEM768
# with the gateway, which nginx (OpenSSL 3.0) cannot do, and measure unequal work. KX_GROUPS= measures the default.
KX_GROUPS=${KX_GROUPS-X25519}
harness() { java -XX:+UseSerialGC -cp "$PERF_JAR" io.mtlsproxy.perf.load.LoadHarness --host 127.0.0.1 ${KX_GROUPS:+--groups "$KX_GROUPS"} \
  --cert "$PKI/client-fullchain.crt" --key "$PKI/client.key" --ca "$PKI/root.crt" "$@"; }
target() { # server -> TARGET: the harness options naming it
  case $1 in
    nginx) TARGET=(--port "$NGINX_PORT" --path / --expect-body '"verify":"SUCCESS"' --server-pid "$NGINX_PIDS") ;;
    gateway) TARGET=(--port "$GW_PORT" --path /v1/secrets/bench-secret --expect-body '"name":"bench-secret"' --server-pid "$GW_PID") ;;
  esac
}
mode_options() {
  case $1 in
    handshake|resume) echo "--mode $1 --concurrency $HS_CONNS --duration ${SECS}s --warmup $WARMUP" ;;
    keepalive) echo "--mode keepalive --concurrency $CONNS --duration ${SECS}s --warmup $WARMUP" ;;
    churn) echo "--mode churn --concurrency $CONNS --duration ${SECS}s --warmup $WARMUP" ;;
    idle) echo "--mode idle --concurrency $IDLE_CONNS --duration 5s" ;;
  esac
}

echo "# $(date -u +%FT%TZ)  $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# $(java -version 2>&1 | head -1); $(/usr/sbin/nginx -v 2>&1); $(openssl version)"
echo "# gateway pid $GW_PID, nginx pids $NGINX_PIDS; ${SECS}s windows after $WARMUP warm-up, $ROUNDS rounds, modes: $MODES"
# The JVM compiles its hot paths in the first seconds: warm the gateway up as it would be after a
# while in production; nginx gets the same load (it needs none).
for server in gateway nginx; do
  target $server
  harness "${TARGET[@]}" --mode handshake --concurrency "$HS_CONNS" --duration "${JIT_WARMUP}s" --warmup 0s --allow-errors >/dev/null
  harness "${TARGET[@]}" --mode keepalive --concurrency "$CONNS" --duration "${JIT_WARMUP}s" --warmup 0s --allow-errors >/dev/null
done

for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then order="nginx gateway"; else order="gateway nginx"; fi
  for mode in $MODES; do
    # memory a server took for connections is not returned to the OS when they close: a second idle
    # reading would measure only what the first one left unused
    [[ $mode == idle && $round -gt 1 ]] && continue
    for server in $order; do
      target $server
      # shellcheck disable=SC2207
      opts=($(mode_options "$mode"))
      [[ $mode == idle && $server == gateway ]] && opts+=(--server-gc)
      harness "${TARGET[@]}" "${opts[@]}" --json --allow-errors > "$OUT/$round-$mode-$server.json" 2> "$OUT/$round-$mode-$server.err" \
        || { echo "harness failed for $server $mode:" >&2; cat "$OUT/$round-$mode-$server.err" >&2; exit 1; }
      sleep 1 # closed connections leave TIME_WAIT and the servers settle before the next run
    done
  done
done

python3 - "$OUT" "$ROUNDS" "$MODES" <<'PY'
import json, sys, os
out, rounds, modes = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
def run(r, mode, server):
    with open(os.path.join(out, f"{r}-{mode}-{server}.json")) as f:
        return json.load(f)
def ratio(g, n):
    return f"{g / n:.2f}x" if n and g is not None else "-"
def fmt(x, unit=""):
    return "-" if x is None else (f"{x:,.0f}{unit}")
print()
print(f"{'figure':44} {'round':>5} {'nginx':>12} {'gateway':>12} {'ratio':>7}   errors n/g")
for mode in modes:
    for r in range(1, rounds + 1):
        if mode == "idle" and r > 1:
            continue
        n, g = run(r, mode, "nginx"), run(r, mode, "gateway")
        errs = f"{n['errors']['total']}/{g['errors']['total']}"
        if mode == "idle":
            for key, label in (("rssPerConnectionBytes", "idle RSS per connection, bytes"),
                               ("heapPerConnectionBytes", "idle live heap per connection, bytes")):
                nv, gv = n["server"].get(key), g["server"].get(key)
                label = f"{label} ({g['connections']['opened']:,} / {n['connections']['opened']:,} conns)"
                print(f"{label:44} {r:>5} {fmt(nv):>12} {fmt(gv):>12} {ratio(gv, nv):>7}   {errs}")
            continue
        per = "handshakes" if mode in ("handshake", "resume") else "requests"
        nv, gv = n["server"]["requestsPerCoreSecond"], g["server"]["requestsPerCoreSecond"]
        print(f"{mode + ' ' + per + ' per server core-second':44} {r:>5} {fmt(nv):>12} {fmt(gv):>12} {ratio(gv, nv):>7}   {errs}")
        print(f"{'  absolute ' + per + '/s':44} {r:>5} {fmt(n['requestsPerSecond']):>12} {fmt(g['requestsPerSecond']):>12} {ratio(g['requestsPerSecond'], n['requestsPerSecond']):>7}")
        print(f"{'  server CPU cores used':44} {r:>5} {n['server']['cpuSeconds'] / n['durationSeconds']:>12.2f} {g['server']['cpuSeconds'] / g['durationSeconds']:>12.2f}")
        if mode == "resume":
            print(f"{'  resumed / not resumed':44} {r:>5} {str(n['resumed']) + '/' + str(n['notResumed']):>12} {str(g['resumed']) + '/' + str(g['notResumed']):>12}")
        lat_n, lat_g = n["latencyMicros"], g["latencyMicros"]
        print(f"{'  latency p50 / p99, us':44} {r:>5} {fmt(lat_n['p50']) + ' / ' + fmt(lat_n['p99']):>12} {fmt(lat_g['p50']) + ' / ' + fmt(lat_g['p99']):>12}")
PY
