/**
 * The dashboard in a real browser: a 4-peer cluster (real libp2p peers on loopback, MNIST, D-PSGD), an observer
 * serving the dashboard, and Debian's Chromium driven by playwright-core. Asserts that the topology shows the 4
 * members and that the accuracy and consensus curves gain points while the run goes on, and writes the
 * screenshot the README shows (docs/img/dashboard.png).
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import { createPeerNode } from '../../node/p2p/index.ts'
import type { PeerNode } from '../../node/p2p/index.ts'
import { createObserver, startDashboard } from '../../node/watch/index.ts'
import type { Dashboard, Observer } from '../../node/watch/index.ts'
import { startCluster, stopCluster } from '../node/peer/helpers.ts'
import type { Cluster } from '../node/peer/helpers.ts'

const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), '../../docs/img/dashboard.png')
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

interface PageState { updates: number, nodes: number, points: { accuracy: number, consensus: number } }

describe('murmur watch dashboard in headless Chromium', function () {
  this.timeout(180_000)
  let cluster: Cluster | undefined
  let node: PeerNode | undefined
  let observer: Observer | undefined
  let dashboard: Dashboard | undefined
  let context: BrowserContext | undefined
  let profile: string | undefined

  before(() => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's Chromium (apt-get install -y chromium)`)
  })

  after(async () => {
    await context?.close()
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
    await dashboard?.close()
    observer?.stop()
    await node?.stop()
    if (cluster !== undefined) await stopCluster(cluster)
  })

  it('shows the 4 members and curves that gain points as the run goes on', async () => {
    cluster = await startCluster({ peers: 4, topology: 'ring', algo: 'dpsgd', model: 'mlp', rounds: 3000, roundDeadlineMs: 3000, runId: 'browser-test', seed: 3 },
      { evalEvery: 10, evalLimit: 1000, heartbeatMs: 200 })
    const first = cluster.peers[0]
    node = await createPeerNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [`/ip4/127.0.0.1/tcp/${await portOf(cluster)}/p2p/${first.peerId}`] })
    observer = createObserver({ node }, { runId: 'browser-test', tickMs: 250 })
    observer.start()
    dashboard = await startDashboard({ model: observer.model, port: 0, refreshMs: 250 })

    profile = mkdtempSync(join(tmpdir(), 'murmur-chromium-'))
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 1180 } })
    const page: Page = context.pages()[0] ?? await context.newPage()
    const errors: string[] = []
    const offsite: string[] = []
    page.on('pageerror', (err) => { errors.push(err.message) })
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()) })
    page.on('request', (req) => { if (!req.url().startsWith(dashboard?.url ?? '-')) offsite.push(req.url()) })
    await page.goto(dashboard.url)

    const read = async (): Promise<PageState> => await page.evaluate('window.murmur') as PageState
    await page.waitForFunction('window.murmur !== undefined && window.murmur.nodes === 4', undefined, { timeout: 90_000 })
    await page.waitForFunction('window.murmur.points.accuracy >= 2 && window.murmur.points.consensus >= 2', undefined, { timeout: 90_000 })
    const before = await read()
    await page.waitForFunction(`window.murmur.points.accuracy >= ${before.points.accuracy + 3} && window.murmur.points.consensus >= ${before.points.consensus + 20}`, undefined, { timeout: 90_000 })
    const after = await read()
    assert.equal(after.nodes, 4, 'the topology shows the 4 members')
    assert.ok(after.points.accuracy > before.points.accuracy && after.points.consensus > before.points.consensus, `curves grew: ${JSON.stringify(before.points)} -> ${JSON.stringify(after.points)}`)
    assert.ok(after.updates > before.updates, 'updates keep arriving')
    // what the charts drew: the SVG marks exist (vega rendered), and the graph canvas is there (cytoscape)
    const marks = await page.evaluate('document.querySelectorAll("#accuracy-chart svg path, #consensus-chart svg path").length') as number
    assert.ok(marks > 0, 'the curves are drawn')
    assert.equal(await page.evaluate('document.querySelectorAll("#graph canvas").length > 0'), true)
    assert.deepEqual(errors, [], 'no script errors in the page')
    assert.deepEqual(offsite, [], 'the page loads nothing but the dashboard\'s own URLs (no CDN)')

    mkdirSync(dirname(SCREENSHOT), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
  })
})

/** the TCP port peer 0 listens on, from its peer.json */
async function portOf (cluster: Cluster): Promise<number> {
  const { readFileSync } = await import('node:fs')
  const info = JSON.parse(readFileSync(join(cluster.peers[0].dataDir, 'peer.json'), 'utf8')) as { addrs: string[] }
  const m = /\/ip4\/127\.0\.0\.1\/tcp\/(\d+)\//.exec(info.addrs.join(' '))
  if (m === null) throw new Error(`peer 0 announces no loopback address: ${info.addrs.join(', ')}`)
  return Number(m[1])
}
