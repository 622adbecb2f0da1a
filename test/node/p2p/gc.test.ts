import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const GC_MODULE = fileURLToPath(new URL('../../../node/p2p/gc.ts', import.meta.url))

/** Mark-compacts in a fresh process that allocates 400 MB of 1 MiB buffers, 32 alive at a time (a message's worth). */
function majorGcs (setFlag: boolean, nodeFlags: string[] = []): { major: number, set: boolean } {
  const program = `
    import { PerformanceObserver, constants } from 'node:perf_hooks'
    import { countExternalMemoryInGlobalLimit } from ${JSON.stringify(GC_MODULE)}
    const set = ${String(setFlag)} ? countExternalMemoryInGlobalLimit() : false
    let major = 0
    const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++ })
    obs.observe({ entryTypes: ['gc'] })
    const live = []
    for (let i = 0; i < 400; i++) { const b = new Uint8Array(1 << 20); b[i % b.length] = 1; live.push(b); if (live.length > 32) live.shift() }
    setTimeout(() => { obs.disconnect(); console.log(JSON.stringify({ major, set })) }, 50)
  `
  return JSON.parse(execFileSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', program], { encoding: 'utf8' }).trim()) as { major: number, set: boolean }
}

describe('node/p2p/gc: external memory counted in the global limit', function () {
  this.timeout(30_000)

  it('short-lived message buffers no longer start mark-compacts every 64 MB (without the flag they do)', () => {
    const roomy = ['--max-old-space-size=4096']
    const without = majorGcs(false, roomy).major
    const flagged = majorGcs(true, roomy)
    assert.equal(flagged.set, true)
    const withFlag = flagged.major
    console.log(`      mark-compacts: ${without} without the flag, ${withFlag} with it`)
    assert.ok(without >= 3, `without the flag: ${without} mark-compacts for 400 MB of buffers`)
    assert.ok(withFlag < without / 3, `with the flag: ${withFlag} mark-compacts, against ${without} without`)
  })

  it('is left unset under a small heap cap (cluster peers: --max-old-space-size=128), where the limit could not grow past the data a peer holds', () => {
    assert.equal(majorGcs(true, ['--max-old-space-size=128']).set, false)
    assert.equal(majorGcs(true, ['--max-old-space-size=2048']).set, true)
  })
})
