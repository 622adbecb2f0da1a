#!/bin/bash
# murmur peer a and this client start a run of 3 slots alone (a's --start-timeout is short); murmur peer b joins
# while it runs, pulls a model over /murmur/sync/1.0.0 (from whichever member announces the highest round: here
# usually the client, which does not wait for a) and becomes a neighbour of both.
#   scripts/interop/run-latejoin.sh      (environment as run-interop.sh: WORK, PORT, PYTHON)
set -u
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
WORK=${WORK:-.scratch/interop/latejoin}; PORT=${PORT:-47321}; PY=${PYTHON:-/usr/bin/python3}
RUN=latejoin-$$
mkdir -p "$WORK"; rm -rf "$WORK/a" "$WORK/b"
COMMON="--peers 3 --algo gossip --dim 1000 --rounds 150 --round-deadline 3000 --run-id $RUN --start-timeout 4000"
source scripts/interop/lib.sh
start_peer a 0/3 $PORT
A=$(peer_id a)
"$PY" scripts/interop/murmur_client.py --bootstrap /ip4/127.0.0.1/tcp/$PORT/p2p/$A --run-id $RUN --peers 3 --slot 2 \
  --rounds 150 --round-deadline 3000 --start-timeout 3 --round-sleep 0.1 > "$WORK/client.log" 2>&1 &
CLIENT=$!
sleep 12
start_peer b 1/3 $((PORT + 1)) /ip4/127.0.0.1/tcp/$PORT/p2p/$A
wait $CLIENT
grep -E 'sync:|round (0|1|2|3|4|5|149) done|stats' "$WORK/client.log"
grep -hE 'joins at|joining a running run|behind the run|^done' "$WORK/a.log" "$WORK/b.log"
