/**
 * The HTTP endpoint Prometheus scrapes: GET /metrics answers the registry in the text exposition format;
 * anything else is 404 (405 for other methods). Binds 127.0.0.1 unless told otherwise.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { DEFAULT_METRICS_HOST, METRICS_PATH } from './constants.ts'
import { MetricsServerError } from './errors.ts'

export interface MetricsServerInit {
  registry: Registry
  /** 0 picks a free port */
  port: number
  /** default 127.0.0.1 */
  host?: string
}

export interface MetricsServer {
  readonly port: number
  /** http://host:port/metrics */
  readonly url: string
  close: () => Promise<void>
}

export async function startMetricsServer (init: MetricsServerInit): Promise<MetricsServer> {
  const host = init.host ?? DEFAULT_METRICS_HOST
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return }
    if (path !== METRICS_PATH) { res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: murmur serves its metrics at ${METRICS_PATH}\n`); return }
    init.registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': init.registry.contentType }).end(req.method === 'HEAD' ? undefined : text)
    }, (err: Error) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`could not collect the metrics: ${err.message}\n`)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use (pick another --metrics-port, or 0 for any free port)'
        : err.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine (--metrics-host)`
          : err.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : err.message
      reject(new MetricsServerError(`cannot serve metrics on ${host}:${init.port}: ${why}`, err.code))
    })
    server.listen(init.port, host, () => { resolve() })
  })
  server.unref()
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}${METRICS_PATH}`,
    close: async () => { await new Promise<void>((resolve) => { server.close(() => { resolve() }); server.closeAllConnections() }) }
  }
}
