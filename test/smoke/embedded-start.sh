#!/usr/bin/env bash
# Starts the built gateway with no environment (embedded PostgreSQL, in-process store, outbox mail),
# signs up and verifies with the code printed to the log, asks viewer, then stops it with SIGTERM.
# SMOKE_START: the start command (default `node dist/src/main.js`; .ci/run uses `npm start`, which builds first).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(mktemp -d)
port=${SMOKE_PORT:-4555}
log="$data/gateway.log"
env -u DATABASE_URL -u REDIS_URL -u SMTP_URL -u NODE_ENV PORT=$port DATA_DIR="$data" ${SMOKE_START:-node dist/src/main.js} >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 360); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 $pid 2>/dev/null || { echo "FAIL: the gateway exited"; cat "$log"; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/readyz"; echo
gql() { curl -sf "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} -d "$1"; }
challenge=$(gql '{"query":"mutation { signup(input:{email:\"smoke@example.com\",password:\"correct horse battery staple\"}) { challengeId } }"}' | sed -E 's/.*"challengeId":"([^"]+)".*/\1/')
sleep 0.5
code=$(grep -oE 'Your code is: [0-9]{6}' "$log" | tail -1 | grep -oE '[0-9]{6}')
token=$(gql "{\"query\":\"mutation { verifyOtp(input:{challengeId:\\\"$challenge\\\",code:\\\"$code\\\"}) { accessToken } }\"}" | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
viewer=$(gql '{"query":"{ viewer { email emailVerified } }"}' "$token")
echo "$viewer"
echo "$viewer" | grep -q '"emailVerified":true' || { echo "FAIL: embedded smoke"; cat "$log"; exit 1; }
ls "$data/outbox" | grep -q mail || { echo "FAIL: no mail in outbox"; exit 1; }
kill -TERM $pid
wait $pid || true
echo "embedded start smoke: ok"
