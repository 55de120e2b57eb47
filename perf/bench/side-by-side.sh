#!/usr/bin/env bash
# Usage: perf/bench/side-by-side.sh [SECONDS=15] [CONNS=50]
# Measures mtls-proxy and nginx the same way, in one run, with the public tools in ../shared/bench:
# full and resumed TLS 1.3 mTLS handshakes (openssl s_time) and keep-alive reads of a cached secret
# against nginx's static response (wrk), each per server core-second. Loopback only; bounded time.
# The cross-check of perf/compare.sh (which drives both with the project's load harness). Env JIT_WARMUP=15:
# seconds of load each server gets before the first round (the JVM compiles its hot paths meanwhile).
set -euo pipefail
SECS=${1:-15}; CONNS=${2:-50}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=${BENCH_DIR:-$ROOT/../shared/bench}
[[ -x $BENCH/handshakes.sh ]] || { echo "shared bench scripts not found at $BENCH (set BENCH_DIR)" >&2; exit 1; }
command -v nginx >/dev/null && command -v wrk >/dev/null || { echo "needs: apt-get install -y nginx wrk" >&2; exit 1; }
NGINX_PORT=${NGINX_PORT:-28443}; GW_PORT=${GW_PORT:-28444}
WORK=$(mktemp -d); PKI=$WORK/pki
export BENCH_STATE=$WORK/state
GW_PID=
cleanup() {
  "$BENCH/nginx-mtls.sh" stop "$NGINX_PORT" >/dev/null 2>&1 || true
  if [[ -n $GW_PID ]]; then kill "$GW_PID" 2>/dev/null || true; wait "$GW_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BENCH/pki.sh" "$PKI" >/dev/null 2>&1
JAR=$ROOT/proxy-server/target/mtls-proxy.jar
[[ -f $JAR ]] || (cd "$ROOT" && mvn -B -q -DskipTests -pl proxy-server -am package)
# shellcheck source=gateway.sh
source "$ROOT/perf/bench/gateway.sh"
bench_gateway_start "$JAR" "$WORK" "$PKI" "$GW_PORT" || exit 1
"$BENCH/nginx-mtls.sh" start "$NGINX_PORT" "$PKI" >/dev/null

# The JVM compiles its hot paths in the first seconds: warm the gateway up as it would be in
# production before anything is measured (nginx, being C, needs none; it gets the same load anyway).
for port_path in "$NGINX_PORT:/" "$GW_PORT:/v1/secrets/bench-secret"; do
  IFS=: read -r port path <<< "$port_path"
  env WWW="$path" MODES=new PAR=2 "$BENCH/handshakes.sh" "127.0.0.1:$port" "$PKI" "${JIT_WARMUP:-15}" >/dev/null 2>&1 || true
  env PATHQ="$path" "$BENCH/requests.sh" "127.0.0.1:$port" "$PKI" "${JIT_WARMUP:-15}" "$CONNS" >/dev/null 2>&1 || true
done

run() { # label port path command...
  local label=$1 port=$2 path=$3; shift 3
  echo "== $label"
  "$@" | grep -E '^RESULT|ERROR|WARNING' | sed 's/^/   /'
}
for round in 1 2; do
  for target in nginx:$NGINX_PORT:/ gateway:$GW_PORT:/v1/secrets/bench-secret; do
    IFS=: read -r name port path <<< "$target"
    if [[ $name == gateway ]]; then export SERVER_PIDS=$GW_PID; else unset SERVER_PIDS; fi
    run "round $round $name handshakes" "$port" "$path" env WWW="$path" "$BENCH/handshakes.sh" "127.0.0.1:$port" "$PKI" "$SECS"
    run "round $round $name keep-alive" "$port" "$path" env PATHQ="$path" "$BENCH/requests.sh" "127.0.0.1:$port" "$PKI" "$SECS" "$CONNS"
  done
done
echo "== gateway log (last lines)"; tail -3 "$WORK/logs/gateway.log"
