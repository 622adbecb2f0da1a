/**
 * Making folders without Node's recursive mkdir. Plain file system code with no murmur imports, so that the CLI,
 * node/peer, node/checkpoint and the scripts can all use it.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/**
 * Makes the folder `dir` and the missing folders above it, one mkdir at a time, and returns the first one it made
 * (undefined when `dir` was there). Not mkdirSync's `recursive`: under /proc, where mkdir says ENOENT and its parent
 * EEXIST, Node's recursive mkdir retries for ever in uninterruptible sleep (Ctrl-C does nothing; seen with Node 24:
 * `node -e "require('fs').mkdirSync('/proc/foo', { recursive: true })"`); one at a time, the path fails with ENOENT
 * at once.
 */
export function makeFolder (dir: string): string | undefined {
  const missing: string[] = []
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d)
    if (dirname(d) === d) break
  }
  // a file where the folder should be: mkdir's own EEXIST, as the recursive one says
  if (missing.length === 0 && !statSync(dir).isDirectory()) mkdirSync(dir)
  for (const d of missing) {
    try {
      mkdirSync(d)
    } catch (err) {
      // made meanwhile by another process (two runs into one parent): what counts is that it is a folder now
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw err
    }
  }
  return missing[0]
}
