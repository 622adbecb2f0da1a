/**
 * Progress for long work. On a terminal: one line redrawn in place at most 10 times a second.
 * Elsewhere (CI logs, pipes): a plain line every `logEvery` ms so logs stay readable.
 */
export interface ProgressInit {
  total: number
  label: string
  isTTY: boolean
  write: (text: string) => void
  /** minimum ms between plain-line updates when not a TTY; default 5,000 */
  logEvery?: number
  now?: () => number
}

export interface Progress {
  update: (done: number, status?: string) => void
  /** the last line, at `at` (default: the total; a run stopped early gives the count it reached) */
  done: (status?: string, at?: number) => void
}

function clock (ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--:--'
  const s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

/** The text of one progress line; pure, for tests. */
export function progressLine (label: string, done: number, total: number, elapsedMs: number, status = '', width = 24): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0
  const filled = Math.round(frac * width)
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled)
  const eta = done > 0 ? elapsedMs * (total - done) / done : NaN
  return `${label} ${bar} ${done}/${total} ${(frac * 100).toFixed(0).padStart(3)}% ${clock(elapsedMs)} eta ${clock(eta)}${status !== '' ? ' ' + status : ''}`
}

export function createProgress (init: ProgressInit): Progress {
  const now = init.now ?? (() => performance.now())
  const start = now()
  const logEvery = init.logEvery ?? 5000
  let last = -Infinity
  let lastLen = 0
  const draw = (done: number, status: string | undefined, force: boolean): void => {
    const t = now()
    if (!force && t - last < (init.isTTY ? 100 : logEvery)) return
    last = t
    const line = progressLine(init.label, done, init.total, t - start, status)
    if (init.isTTY) {
      init.write('\r' + line + ' '.repeat(Math.max(0, lastLen - line.length)))
      lastLen = line.length
    } else {
      init.write(line + '\n')
    }
  }
  return {
    update: (done, status) => { draw(done, status, false) },
    done: (status, at = init.total) => {
      draw(at, status, true)
      if (init.isTTY) init.write('\n')
    }
  }
}
