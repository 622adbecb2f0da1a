#!/bin/bash
# Sends murmur peer a the malformed messages of murmur_client.py --mode probe (docs/PROTOCOL.md § Validation),
# then lets a short run happen so that the peer records its rejection counts, and prints them by reason.
#
#   scripts/interop/run-probes.sh        (environment as run-interop.sh: WORK, PORT, PYTHON)
set -u
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
WORK=${WORK:-.scratch/interop/probes}; PORT=${PORT:-47311}; PY=${PYTHON:-/usr/bin/python3}
RUN=probes-$$
mkdir -p "$WORK"; rm -rf "$WORK/a" "$WORK/b"
COMMON="--peers 3 --algo gossip --dim 1000 --rounds 5 --round-deadline 3000 --run-id $RUN --start-timeout 120000 --quiet"
source scripts/interop/lib.sh
start_peer a 0/3 $PORT
A=$(peer_id a)
PROBES=ok,codec-none-model,two-chunks,algo-base,trailing-request,padded-prefix,bad-crc,dimension,kind-delta,nan,round-mismatch,degree0,wrong-run,version2,empty-chunk,frame-too-large,long-prefix,short-frame,too-large,order,inconsistent,truncated,algo-reserved,sync-ok,sync-round-degree,sync-nonempty,sync-gossip-type
# another lr: the prober is refused as a member (it never becomes a neighbour), its streams are still read
"$PY" scripts/interop/murmur_client.py --bootstrap /ip4/127.0.0.1/tcp/$PORT/p2p/$A --run-id $RUN --peers 3 --slot 2 \
  --rounds 5 --round-deadline 3000 --config lr=0.1 --mode probe --probe $PROBES 2>&1 | grep 'probe '
# a short run so that peer a records its exchange's rejection counts in metrics.jsonl
start_peer b 1/3 $((PORT + 1)) /ip4/127.0.0.1/tcp/$PORT/p2p/$A
"$PY" scripts/interop/murmur_client.py --bootstrap /ip4/127.0.0.1/tcp/$PORT/p2p/$A --run-id $RUN --peers 3 --slot 2 \
  --rounds 5 --round-deadline 3000 > "$WORK/client.log" 2>&1
for i in $(seq 60); do grep -q '^done' "$WORK/a.log" && break; sleep 0.5; done
"$PY" -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])][-1]; print('peer a, exchange rejections by reason:', r['exchangeRejected'])" "$WORK/a/metrics.jsonl"
