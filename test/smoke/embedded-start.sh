#!/usr/bin/env bash
# Starts the built gateway with no environment (embedded PostgreSQL, in-process store, outbox mail),
# signs up and verifies with the code printed to the log, asks viewer, then stops it with SIGTERM.
# SMOKE_START: the start command (default `node dist/src/main.js`; .ci/run uses `npm start`, which builds first).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(mktemp -d)
port=${SMOKE_PORT:-4555}
log="$data/gateway.log"
if curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; then echo "FAIL: port $port is already in use"; exit 1; fi
# Its own process group (setsid), so that a stop reaches the gateway under `npm start` (npm → sh → node) too.
env -u DATABASE_URL -u REDIS_URL -u SMTP_URL -u NODE_ENV PORT=$port DATA_DIR="$data" setsid ${SMOKE_START:-node dist/src/main.js} >"$log" 2>&1 &
pid=$!
stop() {
  kill -TERM -- -"$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 -- -"$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL -- -"$pid" 2>/dev/null || true
}
trap 'stop; rm -rf "$data"' EXIT
trap 'echo "FAIL: embedded smoke (line $LINENO)"; tail -20 "$log"' ERR
for _ in $(seq 1 360); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 $pid 2>/dev/null || { echo "FAIL: the gateway exited"; cat "$log"; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/readyz"; echo
gql() { curl -sf "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} -d "$1"; }
challenge=$(gql '{"query":"mutation { signup(input:{email:\"smoke@example.com\",password:\"correct horse battery staple\"}) { challengeId } }"}' | sed -E 's/.*"challengeId":"([^"]+)".*/\1/')
# The outbox line can lag the answer on a busy machine: wait for it (up to 15 s).
code=
for _ in $(seq 1 30); do
  code=$(grep -oE 'Your code is: [0-9]{6}' "$log" | tail -1 | grep -oE '[0-9]{6}' || true)
  [ -n "$code" ] && break
  sleep 0.5
done
[ -n "$code" ] || { echo "FAIL: no code in the log"; cat "$log"; exit 1; }
token=$(gql "{\"query\":\"mutation { verifyOtp(input:{challengeId:\\\"$challenge\\\",code:\\\"$code\\\"}) { accessToken } }\"}" | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
viewer=$(gql '{"query":"{ viewer { email emailVerified } }"}' "$token")
echo "$viewer"
echo "$viewer" | grep -q '"emailVerified":true' || { echo "FAIL: embedded smoke"; cat "$log"; exit 1; }
ls "$data/outbox" | grep -q mail || { echo "FAIL: no mail in outbox"; exit 1; }
stop
wait $pid || true
echo "embedded start smoke: ok"
