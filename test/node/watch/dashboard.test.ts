import assert from 'node:assert/strict'
import { request } from 'node:http'
import { WatchModel, startDashboard } from '../../../node/watch/index.ts'
import type { Dashboard, WatchSnapshot } from '../../../node/watch/index.ts'
import { announcement, config, summary } from './helpers.ts'

const T0 = 1_000_000

/** reads server-sent events from `url` until `count` arrived; resolves with their names and parsed data */
async function events (url: string, count: number): Promise<Array<{ event: string, data: any }>> {
  return await new Promise((resolve, reject) => {
    const out: Array<{ event: string, data: any }> = []
    const req = request(url, { signal: AbortSignal.timeout(5000) }, (res) => {
      let buf = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buf += chunk
        let i: number
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event !== undefined && data !== undefined) out.push({ event, data: JSON.parse(data) })
          if (out.length === count) { req.destroy(); resolve(out) }
        }
      })
    })
    req.on('error', (err) => { if (out.length < count) reject(err) })
    req.end()
  })
}

describe('node/watch dashboard server', () => {
  let dashboard: Dashboard | undefined
  afterEach(async () => { await dashboard?.close(); dashboard = undefined })

  it('serves the page, the vendor builds from node_modules, the state and a live event stream', async () => {
    let now = T0
    const model = new WatchModel({ runId: config.runId })
    for (let slot = 0; slot < 4; slot++) model.announce(announcement(slot, 1, { round: 2 }), now)
    for (let r = 1; r <= 2; r++) for (let slot = 0; slot < 4; slot++) model.summary(summary(slot, r), now)
    dashboard = await startDashboard({ model, port: 0, refreshMs: 50, now: () => now })
    const base = dashboard.url

    const page = await fetch(base)
    assert.equal(page.status, 200)
    const html = await page.text()
    for (const src of ['/vendor/vega.min.js', '/vendor/vega-lite.min.js', '/vendor/cytoscape.min.js', '/app.js', '/style.css']) {
      assert.ok(html.includes(src), `the page loads ${src}`)
      const res = await fetch(new URL(src, base))
      assert.equal(res.status, 200, src)
      assert.ok((await res.arrayBuffer()).byteLength > 1000, `${src} has content`)
    }
    assert.ok(!/https?:\/\/(?!127\.0\.0\.1)/.test(html), 'no off-site URL in the page')
    const state = await (await fetch(new URL('/state', base))).json() as WatchSnapshot
    assert.equal(state.graph?.nodes.length, 4)
    assert.equal(state.series.accuracy.points.length, 2)
    assert.equal((await fetch(new URL('/nope', base))).status, 404)

    // the stream: everything first, then only the points added since
    const stream = events(new URL('/events', base).toString(), 8)
    setTimeout(() => { now += 10; for (let slot = 0; slot < 4; slot++) model.summary(summary(slot, 3), now) }, 120)
    const got = await stream
    assert.equal(got[0].event, 'snapshot')
    assert.equal(got[0].data.series.accuracy.points.length, 2)
    const updates = got.slice(1)
    assert.ok(updates.every((u) => u.event === 'update' && u.data.series === undefined && u.data.graph.nodes.length === 4))
    const appended = updates.flatMap((u) => u.data.append.accuracy.map((p: { round: number }) => p.round))
    assert.deepEqual(appended, [3], 'round 3 is appended once, and nothing else')
  })

  it('names a port in use with a typed error', async () => {
    const model = new WatchModel({ runId: 'x' })
    dashboard = await startDashboard({ model, port: 0 })
    await assert.rejects(startDashboard({ model, port: dashboard.port }), { name: 'DashboardServerError' })
  })
})
