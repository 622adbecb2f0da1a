/**
 * The web dashboard of `murmur watch --http PORT`: a page on 127.0.0.1 that updates live over server-sent events.
 *
 *   GET /                 the page (static/index.html, app.js, style.css)
 *   GET /vendor/*.js      vega, vega-lite and cytoscape browser builds, served from node_modules (no CDN)
 *   GET /state            the current WatchSnapshot as JSON (its fields are documented in types.ts; `round`, the header's
 *                         "round", is the most rounds a live peer completed, the largest `peers[].round` of live peers)
 *   GET /events           text/event-stream: `snapshot` (everything) on connect, then `update` every refresh with the
 *                         snapshot minus its curves plus the curve points the client has not had yet
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_HTTP_HOST, MAX_CLIENTS, REFRESH_MS } from './constants.ts'
import { DashboardServerError, InvalidWatchInitError } from './errors.ts'
import type { WatchModel } from './model.ts'
import type { Series, WatchSnapshot } from './types.ts'

export interface DashboardInit {
  model: WatchModel
  /** 0 picks a free port */
  port: number
  /** default 127.0.0.1 */
  host?: string
  /** push period (ms); default 1,000 */
  refreshMs?: number
  now?: () => number
}

export interface Dashboard {
  readonly port: number
  readonly url: string
  /** connected event streams */
  clients: () => number
  close: () => Promise<void>
}

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static')
const STATIC: Record<string, { file: string, type: string }> = {
  '/': { file: join(STATIC_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(STATIC_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: join(STATIC_DIR, 'style.css'), type: 'text/css; charset=utf-8' }
}
/** browser builds of the chart and graph libraries, next to each package's own entry point */
const VENDOR: Record<string, { pkg: string, file: string }> = {
  '/vendor/vega.min.js': { pkg: 'vega', file: 'vega.min.js' },
  '/vendor/vega-lite.min.js': { pkg: 'vega-lite', file: 'vega-lite.min.js' },
  '/vendor/cytoscape.min.js': { pkg: 'cytoscape', file: 'cytoscape.min.js' }
}

type Curves = WatchSnapshot['series']
type Sent = Record<keyof Curves, number>

interface Client { res: ServerResponse, sent: Sent }

export async function startDashboard (init: DashboardInit): Promise<Dashboard> {
  const refreshMs = init.refreshMs ?? REFRESH_MS
  if (!(Number.isFinite(refreshMs) && refreshMs >= 50)) throw new InvalidWatchInitError('refreshMs', `refreshMs must be at least 50 ms, got ${refreshMs}`)
  const host = init.host ?? DEFAULT_HTTP_HOST
  const now = init.now ?? Date.now
  const files = new Map<string, { body: Buffer, type: string }>()
  for (const [path, f] of Object.entries(STATIC)) files.set(path, { body: readFileSync(f.file), type: f.type })
  for (const [path, v] of Object.entries(VENDOR)) {
    const entry = fileURLToPath(import.meta.resolve(v.pkg))
    files.set(path, { body: readFileSync(join(dirname(entry), v.file)), type: 'text/javascript; charset=utf-8' })
  }
  const clients = new Set<Client>()

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET') { res.writeHead(405, { allow: 'GET' }).end(); return }
    const file = files.get(path)
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(file.body)
      return
    }
    if (path === '/state') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(init.model.snapshot(now())))
      return
    }
    if (path === '/events') {
      if (clients.size >= MAX_CLIENTS) { res.writeHead(503, { 'content-type': 'text/plain' }).end(`at most ${MAX_CLIENTS} dashboard clients at once\n`); return }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
      const snap = init.model.snapshot(now())
      const client: Client = { res, sent: ends(snap.series) }
      clients.add(client)
      res.write(`retry: ${refreshMs}\nevent: snapshot\ndata: ${JSON.stringify(snap)}\n\n`)
      req.on('close', () => { clients.delete(client) })
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  }

  const server: Server = createServer(handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use (pick another --http port, or 0 for any free port)'
        : err.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine (--http-host)`
          : err.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : err.message
      reject(new DashboardServerError(`cannot serve the dashboard on ${host}:${init.port}: ${why}`, err.code))
    })
    server.listen(init.port, host, () => { resolve() })
  })

  const timer = setInterval(() => {
    if (clients.size === 0) return
    const snap = init.model.snapshot(now())
    for (const c of clients) {
      const { series, ...rest } = snap
      const append = {
        accuracy: since(series.accuracy, c.sent.accuracy),
        consensus: since(series.consensus, c.sent.consensus),
        loss: since(series.loss, c.sent.loss)
      }
      c.sent = ends(series)
      c.res.write(`event: update\ndata: ${JSON.stringify({ ...rest, append })}\n\n`)
    }
  }, refreshMs)
  timer.unref()

  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    clients: () => clients.size,
    close: async () => {
      clearInterval(timer)
      for (const c of clients) c.res.end()
      clients.clear()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }); server.closeAllConnections() })
    }
  }
}

/** absolute index one past each curve's last point */
function ends (s: Curves): Sent {
  return { accuracy: s.accuracy.base + s.accuracy.points.length, consensus: s.consensus.base + s.consensus.points.length, loss: s.loss.base + s.loss.points.length }
}

/** the points of `s` from absolute index `from` on (all kept ones if older points were dropped meanwhile) */
function since<P> (s: Series<P>, from: number): P[] {
  return s.points.slice(Math.max(0, from - s.base))
}
