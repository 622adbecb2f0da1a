/**
 * `npm run bench`: every benchmark, each figure beside a baseline measured in the same run (these
 * machines are shared and noisy, so only ratios travel).
 *
 *   npm run bench                 codecs, model steps vs PyTorch, simulator throughput, lambda2 at n = 4,096,
 *                                 exchange goodput (a few minutes)
 *   npm run bench -- --full       also exchange goodput over a 1 Gbit/s link between network namespaces (root),
 *                                 overlap and async gossip on real peer processes, time and bytes to 97 % on
 *                                 MNIST (16 simulated peers per codec and 16 real processes vs centralized SGD), and D-PSGD vs CHOCO-SGD on
 *                                 MNIST, 600 rounds each (half an hour or more)
 *   npm run bench -- --only codecs,sim
 */
import { parseArgs } from 'node:util'
import { formatTopkBench, runCodecBench, runTopkBench } from './codecs.ts'
import { formatModelBench, runModelBench } from './model.ts'
import { runSimBench, runSpectraBench } from './sim.ts'

const { values } = parseArgs({ options: { full: { type: 'boolean', default: false }, only: { type: 'string' } } })
const only = values.only?.split(',')
const want = (name: string): boolean => only === undefined || only.includes(name)

function line (text: string): void { console.log(text) }

if (want('codecs')) {
  const d = 1_000_000
  const r = runCodecBench({ d })
  line(`\n## Codecs, d = ${d.toLocaleString('en-US')} (median of ${r.repeats}; baseline: 'none', an fp32 copy)`)
  line('codec            bytes        ratio   encode ms  encode MB/s  decode ms  vs none (enc)')
  for (const row of r.rows) {
    line(`${row.spec.padEnd(16)} ${String(row.bytes).padStart(9)} ${row.ratio.toFixed(1).padStart(8)}x ${row.encodeMs.toFixed(2).padStart(10)} ${row.encodeMBps.toFixed(0).padStart(12)} ${row.decodeMs.toFixed(2).padStart(10)} ${row.encodeVsNone.toFixed(2).padStart(10)}x`)
  }
  const topk = r.rows.find((x) => x.spec === 'topk:0.01')
  const sign = r.rows.find((x) => x.spec === 'sign')
  const qsgd = r.rows.find((x) => x.spec.startsWith('qsgd'))
  line(`targets: topk:0.01 encode ${topk?.encodeMs.toFixed(2)} ms (≤ 15), sign ${sign?.encodeMBps.toFixed(0)} MB/s (≥ 200), ${qsgd?.spec} ${qsgd?.encodeMBps.toFixed(0)} MB/s (≥ 200)`)
  line('\n## topk:0.01 encode and decode at 100k, 1M and 10M floats, against the previous implementation and an fp32 copy')
  line(formatTopkBench(runTopkBench()))
}

if (want('model')) {
  const o = values.full === true ? { repeats: 7, seconds: 1 } : { repeats: 3, seconds: 0.5 }
  const r = await runModelBench({ models: ['mlp', 'cnn'], backends: ['wasm', 'tensorflow'], batches: [32, 64, 128], ...o })
  line(`\n## Compute per peer: one SGD step (forward + backward + gradient read back) vs PyTorch, same model and batch (mlp ${r.dims.mlp} and cnn ${r.dims.cnn} parameters)`)
  line(formatModelBench(r))
}

async function simSection (peers: number, dim: number, target: number): Promise<void> {
  // baseline: one bare pass that reads three vectors and writes one, over the same bytes as a ring round
  const xs = Array.from({ length: peers }, () => new Float32Array(dim).fill(1))
  const ys = Array.from({ length: peers }, () => new Float32Array(dim))
  const t0 = performance.now()
  const reps = 5
  for (let k = 0; k < reps; k++) {
    for (let i = 0; i < peers; i++) {
      const a = xs[i]; const b = xs[(i + 1) % peers]; const c = xs[(i + peers - 1) % peers]; const o = ys[i]
      for (let j = 0; j < dim; j++) o[j] = (a[j] + b[j] + c[j]) / 3
    }
  }
  const bareRoundsPerSecond = reps / ((performance.now() - t0) / 1000)
  const r = await runSimBench({ peers, dim, rounds: 20, consensusEvery: 1 })
  const r2 = await runSimBench({ peers, dim, rounds: 20, consensusEvery: 1000 })
  line(`\n## Simulator, gossip only, ${peers} peers × d = ${dim.toLocaleString('en-US')}, ring`)
  line(`with consensus distance every round: ${r.roundsPerSecond.toFixed(1)} rounds/s; without: ${r2.roundsPerSecond.toFixed(1)} rounds/s (target ≥ ${target})`)
  line(`baseline, a bare 3-term average over the same buffers in plain JS: ${bareRoundsPerSecond.toFixed(1)} rounds/s (simulator at ${(r.roundsPerSecond / bareRoundsPerSecond).toFixed(2)} of it with, ${(r2.roundsPerSecond / bareRoundsPerSecond).toFixed(2)} without)`)
}

if (want('sim')) {
  await simSection(256, 100_000, 20)
  await simSection(1024, 10_000, 10)
}

if (want('spectra')) {
  const r = runSpectraBench({ n: 4096 })
  line(`\n## lambda2 of n = 4,096 graphs without the full spectrum (lambda2Sparse; target ≤ 30 s each), Metropolis weights`)
  line(`baseline: the dense eigensolver (full spectrum) on a ring of ${r.denseN} took ${(r.denseMs / 1000).toFixed(2)} s; its O(n³) predicts ≈ ${(r.denseMs * (4096 / r.denseN) ** 3 / 1000).toFixed(0)} s at n = 4,096`)
  line('topology            seconds  vs dense@4096 (pred.)  lambda2              closed form          method        steps')
  for (const row of r.rows) {
    const predicted = r.denseMs * (row.n / r.denseN) ** 3
    line(`${row.topology.padEnd(19)} ${(row.ms / 1000).toFixed(2).padStart(7)}  ${(predicted / row.ms).toFixed(0).padStart(8)}x faster       ${row.lambda2.toFixed(15).padEnd(20)} ${(row.exact === null ? '—' : row.exact.toFixed(15)).padEnd(20)} ${row.method.padEnd(13)} ${row.iterations}`)
  }
}

if (want('goodput')) {
  const { runGoodputBench, formatGoodput } = await import('./goodput.ts')
  line('\n## Model transfer between two processes: gossip protocol (TCP + encrypter + Yamux) vs raw node:net TCP, same bytes, interleaved')
  line('default = node/p2p (/murmur/noise-aesgcm/1.0.0: Noise XX, AES-256-GCM, 1 MiB frames); chacha = murmur\'s /noise (ChaCha20-Poly1305); noise-stock = @chainsafe/libp2p-noise\'s own crypto; tls = @libp2p/tls; tls-native = murmur\'s tls encrypter (the same protocol, Node\'s native TLS on the TCP socket). Goal: default ≥ 0.6 of raw at ≥ 1M floats, dense-equivalent ≥ 5x')
  // 21 interleaved repeats: single ratios of one run spread from 0.25 to 1.0 (raw TCP alone varies 2x), medians of 5 by ±0.1
  line(formatGoodput(await runGoodputBench({ repeats: 21 })))
  if (values.full === true) {
    // peers on separate machines: the dense model bound by a 1 Gbit/s link, not by the CPU (needs root for the namespaces)
    const { runGoodputOverLink } = await import('./goodput-link.ts')
    const shaped = await runGoodputOverLink({ floats: [1_000_000, 10_000_000], repeats: 5, warmup: 1, linkRate: '1gbit' })
    line('\n## The same between two network namespaces over a link shaped to 1 Gbit/s each way (tc tbf), raw TCP over the same link')
    line('skipped' in shaped ? `skipped: ${shaped.skipped}` : formatGoodput(shaped))
  }
}

if (values.full === true && want('overlap')) {
  const { runOverlapBench, formatOverlap } = await import('./overlap.ts')
  const o = { peers: 4, rounds: 200, localSteps: 4, batch: 32 }
  line('\n## Overlap (--overlap) vs synchronous rounds, real peer processes')
  line(formatOverlap(o, await runOverlapBench(o)))
  // peers as on separate machines (namespaces, 100 Mbit/s links; needs root): at batch 32 the 407 KB model's wire time
  // dominates; at batch 384 the 4 local steps take about as long as the wire (the case overlap must halve)
  for (const batch of [32, 384]) {
    const ns = { peers: 2, rounds: 200, localSteps: 4, batch, linkRate: '100mbit', repeats: 2 }
    line(formatOverlap(ns, await runOverlapBench(ns)))
  }
}

if (values.full === true && want('async')) {
  const { ASYNC_BENCH_DEFAULTS, ASYNC_BENCH_SEEDS, runAsyncBenchSeeds, formatAsync, formatAsyncSeeds } = await import('./async.ts')
  const o = ASYNC_BENCH_DEFAULTS
  line(`\n## Asynchronous gossip (--sync async) vs synchronous, one of ${o.peers} peers slowed ${o.slowdown}x, real peer processes, seeds ${ASYNC_BENCH_SEEDS.join(', ')}`)
  const results = await runAsyncBenchSeeds(o, ASYNC_BENCH_SEEDS, (seed, r) => { line(`seed ${seed}:\n${formatAsync({ ...o, seed }, r)}`) })
  line(formatAsyncSeeds(ASYNC_BENCH_SEEDS, results))
}

if (values.full === true && want('end-to-end')) {
  const { runEndToEnd, formatEndToEnd } = await import('./end-to-end.ts')
  line('\n## End to end: 16 peers (ring), simulated and as 16 real processes (murmur cluster), to 97 % on MNIST vs centralized SGD in one process, same data, backend and optimiser')
  line(formatEndToEnd(await runEndToEnd({ target: 0.97 }), 0.97))
}

if (values.full === true && want('compression')) {
  const { runCompressionComparison } = await import('../compare-compression.ts')
  line('\n## D-PSGD vs CHOCO-SGD top-1 %, 16 peers, ring, MNIST MLP, 600 rounds')
  await runCompressionComparison({ rounds: 600 })
}
