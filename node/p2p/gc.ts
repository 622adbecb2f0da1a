/**
 * V8 starts a full mark-compact each time the memory held by ArrayBuffers outside its heap grows by 64 MB since
 * the last one, however small the heap. A model transfer allocates three such buffers per byte received (the socket
 * read, the cipher's output, the message), so a 40 MB message cost its receiver two or three mark-compacts, and 12
 * to 19 % of both processes' time went to the garbage collector (BENCHMARKS.md, "Exchange goodput"). Those buffers
 * die young and scavenges free them; `--external-memory-accounted-in-global-limit` makes V8 weigh external
 * memory against its global heap limit instead of that fixed step, and the mark-compacts go away (gossip goodput at
 * 10M floats rose from about 360 to 500-560 MB/s).
 *
 * Not under a small heap cap: the global limit then stays near the cap, while a training peer holds more than that
 * outside the heap for good (its data set as Float32Arrays, the wasm backend's memory), so V8 would collect without
 * end. Cluster peers run with `--max-old-space-size=128` (scripts/cluster.ts): with the flag their compute rose from
 * 10 to 48 ms a round (async bench); without the cap it stayed at 10 ms.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8'

/** The V8 flag, also usable on a node command line (not in NODE_OPTIONS, which refuses it). */
export const EXTERNAL_MEMORY_FLAG = '--external-memory-accounted-in-global-limit'

/** Heap limits below this (a `--max-old-space-size` cap) keep V8's default accounting. */
export const MIN_HEAP_LIMIT_BYTES = 1024 * 1024 * 1024

/**
 * Sets `EXTERNAL_MEMORY_FLAG` in this process unless its heap is capped below `MIN_HEAP_LIMIT_BYTES`; returns
 * whether it did. V8 reads the flag at each allocation-limit decision, so it takes effect when set at startup; call
 * it before the first large transfer (murmur's CLI does, for every command).
 */
export function countExternalMemoryInGlobalLimit (): boolean {
  if (getHeapStatistics().heap_size_limit < MIN_HEAP_LIMIT_BYTES) return false
  setFlagsFromString(EXTERNAL_MEMORY_FLAG)
  return true
}
