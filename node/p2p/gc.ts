/**
 * V8 starts a full mark-compact each time the memory held by ArrayBuffers outside its heap grows by 64 MB since
 * the last one, however small the heap. A model transfer allocates three such buffers per byte received (the socket
 * read, the cipher's output, the message), so a 40 MB message cost its receiver two or three mark-compacts, and 12
 * to 19 % of both processes' time went to the garbage collector (BENCHMARKS.md, "Exchange goodput"). Those buffers
 * die young and scavenges free them; `--external-memory-accounted-in-global-limit` makes V8 weigh external
 * memory against its global heap limit instead of that fixed step, and the mark-compacts go away (gossip goodput at
 * 10M floats rose from about 360 to 530 MB/s).
 */
import { setFlagsFromString } from 'node:v8'

/** The V8 flag, also usable on a node command line (not in NODE_OPTIONS, which refuses it). */
export const EXTERNAL_MEMORY_FLAG = '--external-memory-accounted-in-global-limit'

/**
 * Sets `EXTERNAL_MEMORY_FLAG` in this process. V8 reads it at each allocation-limit decision, so it takes effect
 * when set at startup; call it before the first large transfer (murmur's CLI does, for every command).
 */
export function countExternalMemoryInGlobalLimit (): void {
  setFlagsFromString(EXTERNAL_MEMORY_FLAG)
}
