# Shared by run-interop.sh, run-probes.sh and run-latejoin.sh (sourced after WORK, PORT and COMMON are set):
# starts murmur peers on 127.0.0.1 and stops every peer it started when the script exits.
PIDS=()
cleanup () { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

# start_peer NAME SHARD PORT [BOOTSTRAP]: a murmur peer in $WORK/NAME, logging to $WORK/NAME.log
start_peer () {
  local boot=()
  [ -n "${4:-}" ] && boot=(--bootstrap "$4")
  node node/bin/murmur.js peer --data-dir "$WORK/$1" --shard "$2" --listen /ip4/127.0.0.1/tcp/$3 "${boot[@]}" $COMMON > "$WORK/$1.log" 2>&1 &
  PIDS+=($!)
}

# peer_id NAME: waits up to a minute for the peer's id line and prints the id (empty if it never came)
peer_id () {
  for i in $(seq 120); do grep -q '^peer id' "$WORK/$1.log" && break; sleep 0.5; done
  sed -n 's/^peer id //p' "$WORK/$1.log"
}
