import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const GC_MODULE = fileURLToPath(new URL('../../../node/p2p/gc.ts', import.meta.url))

/** Mark-compacts in a fresh process that allocates 400 MB of 1 MiB buffers, 32 alive at a time (a message's worth). */
function majorGcs (setFlag: boolean): number {
  const program = `
    import { PerformanceObserver, constants } from 'node:perf_hooks'
    import { countExternalMemoryInGlobalLimit } from ${JSON.stringify(GC_MODULE)}
    if (${String(setFlag)}) countExternalMemoryInGlobalLimit()
    let major = 0
    const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++ })
    obs.observe({ entryTypes: ['gc'] })
    const live = []
    for (let i = 0; i < 400; i++) { const b = new Uint8Array(1 << 20); b[i % b.length] = 1; live.push(b); if (live.length > 32) live.shift() }
    setTimeout(() => { obs.disconnect(); console.log(major) }, 50)
  `
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' }).trim())
}

describe('node/p2p/gc: external memory counted in the global limit', function () {
  this.timeout(30_000)

  it('short-lived message buffers no longer start mark-compacts every 64 MB (without the flag they do)', () => {
    const without = majorGcs(false)
    const withFlag = majorGcs(true)
    console.log(`      mark-compacts: ${without} without the flag, ${withFlag} with it`)
    assert.ok(without >= 3, `without the flag: ${without} mark-compacts for 400 MB of buffers`)
    assert.ok(withFlag < without / 3, `with the flag: ${withFlag} mark-compacts, against ${without} without`)
  })
})
