import assert from 'node:assert/strict'
import { cpus } from 'node:os'
import { busyCores, readCpu, startCpuSampler } from '../../../scripts/bench/cpu-busy.ts'
import type { CpuSample } from '../../../scripts/bench/cpu-busy.ts'

/** two cores, one sample a second from t = 0, `busy` busy core-ms in each second */
function samples (busyPerSecond: number[]): CpuSample[] {
  const out: CpuSample[] = [{ time: 0, busyMs: 0, totalMs: 0, cores: 2 }]
  for (const busy of busyPerSecond) {
    const last = out[out.length - 1]
    out.push({ time: last.time + 1000, busyMs: last.busyMs + busy, totalMs: last.totalMs + 2000, cores: 2 })
  }
  return out
}

describe('scripts/bench/cpu-busy', () => {
  it('gives the busy cores between the first and the last sample inside the window', () => {
    const s = samples([2000, 1000, 500, 2000])
    assert.equal(busyCores(s, 0, 4000), 5500 / 8000 * 2)
    // the window 1000..3000 sees only the middle two seconds
    assert.equal(busyCores(s, 1000, 3000), 1500 / 4000 * 2)
    // a window edge between samples moves inward to the next sample
    assert.equal(busyCores(s, 500, 2500), 1000 / 2000 * 2)
  })

  it('is undefined with fewer than two samples in the window or no core time between them', () => {
    const s = samples([2000, 2000])
    assert.equal(busyCores(s, 100, 900), undefined)
    assert.equal(busyCores(s, 900, 1100), undefined)
    assert.equal(busyCores(s, 3000, 1000), undefined)
    const frozen: CpuSample[] = [{ time: 0, busyMs: 5, totalMs: 10, cores: 2 }, { time: 1000, busyMs: 5, totalMs: 10, cores: 2 }]
    assert.equal(busyCores(frozen, 0, 1000), undefined)
  })

  it('reads this machine: a core kept busy shows up between two samples', async () => {
    const before = readCpu()
    assert.equal(before.cores, cpus().length)
    assert.ok(before.busyMs > 0 && before.totalMs >= before.busyMs)
    const sampler = startCpuSampler(20)
    let x = 0
    // spin 80 ms at a time and let the sampler's timer run between the spins
    for (let i = 0; i < 4; i++) {
      const end = Date.now() + 80
      while (Date.now() < end) x += Math.sqrt(x + 1)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    assert.ok(x > 0)
    const got = sampler.stop()
    assert.ok(got.length >= 4, `expected a sample between each two spins, got ${got.length}`)
    for (let i = 1; i < got.length; i++) assert.ok(got[i].busyMs >= got[i - 1].busyMs && got[i].time >= got[i - 1].time)
    // this thread spun most of the time: at least half a core was busy
    const busy = busyCores(got, got[0].time, got[got.length - 1].time)
    assert.ok(busy !== undefined && busy >= 0.5, `expected ≥ 0.5 busy cores while spinning, got ${String(busy)}`)
    assert.equal(sampler.stop().length, got.length, 'a second stop adds no sample')
    assert.throws(() => startCpuSampler(0), RangeError)
  })
})
