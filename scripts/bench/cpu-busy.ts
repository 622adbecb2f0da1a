/**
 * How many of the machine's cores were busy over a stretch of a benchmark run: `os.cpus()` read every
 * `everyMs` while the run goes on, then the busy share of the cores' time between two wall-clock moments (the
 * peers' own record times). On a shared machine this counts every process, ours and others': a figure near the
 * core count says the peers were waiting for a core, whatever kept it busy.
 */
import { cpus } from 'node:os'

export interface CpuSample {
  /** Date.now() when read */
  time: number
  /** summed over the cores, ms: time not idle (user, nice, sys, irq) */
  busyMs: number
  /** summed over the cores, ms: busy and idle */
  totalMs: number
  cores: number
}

/** The machine's cumulative core times now. */
export function readCpu (now = Date.now()): CpuSample {
  let busyMs = 0
  let totalMs = 0
  const all = cpus()
  for (const c of all) {
    const { user, nice, sys, idle, irq } = c.times
    busyMs += user + nice + sys + irq
    totalMs += user + nice + sys + irq + idle
  }
  return { time: now, busyMs, totalMs, cores: all.length }
}

export interface CpuSampler {
  /** stops sampling (after one last sample) and returns every sample, oldest first; again: the same samples */
  stop: () => CpuSample[]
}

/** Reads the core times now and every `everyMs` until stopped; the timer does not keep the process alive. */
export function startCpuSampler (everyMs = 200): CpuSampler {
  if (!(everyMs > 0)) throw new RangeError(`cpu sampler: expected a positive interval in ms, got ${everyMs}`)
  const samples: CpuSample[] = [readCpu()]
  const timer = setInterval(() => { samples.push(readCpu()) }, everyMs)
  timer.unref()
  let stopped = false
  return {
    stop: () => {
      if (!stopped) {
        stopped = true
        clearInterval(timer)
        samples.push(readCpu())
      }
      return samples
    }
  }
}

/**
 * Busy cores on average between `from` and `to` (Date.now() times): the busy share of the core time between
 * the first sample at or after `from` and the last at or before `to`, times the core count. Undefined when
 * fewer than two samples fall inside, or no core time passed between them.
 */
export function busyCores (samples: readonly CpuSample[], from: number, to: number): number | undefined {
  const inside = samples.filter((s) => s.time >= from && s.time <= to)
  if (inside.length < 2) return undefined
  const a = inside[0]
  const b = inside[inside.length - 1]
  const total = b.totalMs - a.totalMs
  if (!(total > 0)) return undefined
  return (b.busyMs - a.busyMs) / total * b.cores
}
