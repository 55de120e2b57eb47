# Sourced by perf/compare.sh and perf/bench/side-by-side.sh: the gateway both measure, the same way.

# bench_gateway_start JAR WORK PKI PORT: writes WORK/gateway.yaml for the bench PKI (one access rule,
# one built-in secret, admin on a free port), starts the gateway and waits until it listens; sets GW_PID.
bench_gateway_start() {
  local jar=$1 work=$2 pki=$3 port=$4
  cat > "$work/gateway.yaml" <<YAML
listener: {bind: 127.0.0.1, port: $port}
tls:
  certificate: $pki/server-fullchain.crt
  privateKey: $pki/server.key
  trustAnchors: [$pki/root.crt]
access:
  rules: [{name: bench, match: {issuer: ["CN=Bench Intermediate CA,O=Bench"]}, secrets: ["bench-secret"]}]
secrets:
  backends: [{type: appsettings, name: builtin, values: {bench-secret: "s3cr3t-value-for-benchmarks"}}]
admin: {bind: 127.0.0.1, port: 0}
YAML
  # the log goes outside the configuration's folder: the reload watcher would wake on every audit line
  mkdir -p "$work/logs"
  # shellcheck disable=SC2086
  java ${GW_JAVA_OPTS:-} -jar "$jar" serve --config "$work/gateway.yaml" > "$work/logs/gateway.log" 2>&1 &
  GW_PID=$!
  for _ in $(seq 150); do ss -ltn "sport = :$port" | grep -q LISTEN && return 0; sleep 0.2; done
  echo "the gateway did not start:" >&2; tail -20 "$work/logs/gateway.log" >&2
  return 1
}
