#!/bin/bash
# Runs murmur_client.py against two real murmur peers over loopback and checks what it received.
#
#   scripts/interop/run-interop.sh [CODEC] [ENCRYPTER] [ROUNDS]
#     CODEC      the run's codec (default none; fp16, sign, topk:0.1, randk:0.1, qsgd:16 are checked too)
#     ENCRYPTER  aesgcm (offer /murmur/noise-aesgcm/1.0.0, then /noise; default) or noise (/noise only)
#     ROUNDS     rounds of the run (default 30)
#
# Environment: WORK (scratch folder, default .scratch/interop/run), PORT (first of two TCP ports, default 47301),
# PYTHON (default /usr/bin/python3). Starts murmur peers on 127.0.0.1:PORT and PORT+1 with --algo gossip --peers 3,
# the client as slot 2, and stops the peers it started (by pid) at the end. Exit status 0 when every check passed.
set -u
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
CODEC=${1:-none}; ENC=${2:-aesgcm}; ROUNDS=${3:-30}
WORK=${WORK:-.scratch/interop/run}; PORT=${PORT:-47301}; PY=${PYTHON:-/usr/bin/python3}
RUN=interop-$$
mkdir -p "$WORK"; rm -rf "$WORK/a" "$WORK/b" "$WORK/dump"
COMMON="--peers 3 --algo gossip --dim 1000 --codec $CODEC --rounds $ROUNDS --round-deadline 3000 --run-id $RUN --start-timeout 120000 --snapshot-every 1 --quiet"
source scripts/interop/lib.sh
start_peer a 0/3 $PORT
A=$(peer_id a)
[ -n "$A" ] || { echo "peer a did not start:"; cat "$WORK/a.log"; exit 1; }
start_peer b 1/3 $((PORT + 1)) /ip4/127.0.0.1/tcp/$PORT/p2p/$A
echo "murmur peers: a $A, b $(peer_id b)"
"$PY" scripts/interop/murmur_client.py --bootstrap /ip4/127.0.0.1/tcp/$PORT/p2p/$A --run-id $RUN --peers 3 --slot 2 \
  --rounds $ROUNDS --round-deadline 3000 --codec "$CODEC" --encrypter "$ENC" --telemetry --dump-dir "$WORK/dump" \
  > "$WORK/client.log" 2>&1
status=$?
grep -E 'secure channel|member heard|round 0 done|round [0-9]+ done' "$WORK/client.log" | sed -n '1,6p;$p'
grep 'stats:' "$WORK/client.log"
for i in $(seq 60); do grep -q '^done' "$WORK/a.log" && grep -q '^done' "$WORK/b.log" && break; sleep 0.5; done
for p in a b; do
  grep '^done' "$WORK/$p.log" | sed "s/^/murmur peer $p: /"
  "$PY" - "$WORK/$p/metrics.jsonl" "$p" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
last = rows[-1]
print(f"murmur peer {sys.argv[2]}: {len(rows)} rounds recorded, members {last['members']}, "
      f"received {sum(r['received'] for r in rows)}, missing {sum(r['missing'] for r in rows)}, "
      f"exchange rejections {last['exchangeRejected']}")
PYEOF
done
"$PY" scripts/interop/check_dumps.py "$WORK/dump" "$CODEC" "$WORK/a" "$WORK/b" || status=1
"$PY" scripts/interop/check_telemetry.py "$WORK/dump" 1 "$WORK/a" "$WORK/b" || status=1
exit $status
