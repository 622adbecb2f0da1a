import { getBoolean, getNumber, getOptionalNumber, getString } from '../args.ts'
import type { Command } from '../command.ts'
import { formatNearOne, formatSmall, loadGraph, nearOneDecimals, topologyOptions } from '../topology.ts'
import { DEFAULT_TOPOLOGY_SEED } from '../../../topologies/index.ts'

function edgesOf (adjacency: ReadonlyArray<ReadonlyArray<number>>): Array<[number, number]> {
  const edges: Array<[number, number]> = []
  adjacency.forEach((nbrs, i) => { for (const j of nbrs) if (i < j) edges.push([i, j]) })
  return edges
}

function fmt (x: number, digits = 6): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x)
}

function mixingLine (n: number, mixingTime: number): string {
  if (!Number.isFinite(mixingTime)) return 'infinite   the gap is 0: the peers never agree'
  if (n === 1) return '0 rounds   one peer: nothing to average'
  if (mixingTime === 1) return '1 round   lambda2 = 0: W = 11ᵀ/n averages exactly in one round'
  return `${mixingTime} rounds   ⌈ln(1/ε)/gap⌉, ε = 1e-3`
}

export const graphCommand: Command = {
  name: 'graph',
  summary: 'build a topology and print its degrees, spectrum, spectral gap and mixing time',
  details: 'The graph is deterministic in (topology, peers, seed, rows). A topology with no graph on --peers nodes gets the nearest one, ' +
    'as a run\'s peers build it (a torus on a prime count is a ring, a hypercube on a count not a power of two incomplete), and a note says which. ' +
    'With --json one JSON object is printed ' +
    '(schema in the README: n, topology, topologyNote (the note, or null), weights (the matrix W, row by row), weightScheme, seed, edgeCount, edges, degrees, degree, connected, eigenvalues, ' +
    'lambda2, spectralGap, normIminusW, mixingTime).',
  options: [
    { name: 'peers', type: 'int', min: 1, max: 4096, description: 'number of nodes n (default: 16; for file:PATH, its largest node + 1; for torus:RxC, R × C)' },
    ...topologyOptions,
    { name: 'seed', type: 'int', min: 0, max: 0xffffffff, default: DEFAULT_TOPOLOGY_SEED, description: 'seed of the random topologies' },
    { name: 'json', type: 'boolean', description: 'print one JSON object instead of text' },
    { name: 'eigenvalues', type: 'boolean', description: 'also list every eigenvalue of W in the text output' }
  ],
  examples: [
    'murmur graph --topology torus --peers 64',
    'murmur graph --topology regular:4 --peers 32 --seed 7 --json > g.json',
    'murmur graph --topology file:edges.txt --peers 10 --weights lazy-metropolis'
  ],
  async run (args, io) {
    const { describe, mixingMatrix, degrees } = await import('../../../topologies/index.ts')
    const peers = getOptionalNumber(args, 'peers')
    const seed = getNumber(args, 'seed')
    const topology = getString(args, 'topology')
    const scheme = getString(args, 'weights')
    const { graph, note } = loadGraph(topology, peers, { seed, rows: getOptionalNumber(args, 'rows') })
    const n = graph.n
    const W = mixingMatrix(graph, scheme)
    const summary = describe(graph, W)
    if (getBoolean(args, 'json')) {
      const rows: number[][] = []
      for (let i = 0; i < n; i++) rows.push(Array.from(W.data.subarray(i * n, (i + 1) * n)))
      io.out(JSON.stringify({
        n,
        topology,
        topologyNote: note ?? null,
        weights: rows,
        weightScheme: scheme,
        seed,
        edgeCount: summary.edges,
        edges: edgesOf(graph.adjacency),
        degrees: Array.from(degrees(graph)),
        degree: summary.degree,
        connected: summary.connected,
        eigenvalues: summary.eigenvalues,
        lambda2: summary.lambda2,
        spectralGap: summary.spectralGap,
        normIminusW: summary.normIminusW,
        mixingTime: Number.isFinite(summary.mixingTime) ? summary.mixingTime : null
      }))
      return 0
    }
    const ev = summary.eigenvalues
    // the two moduli with lambda2's own decimals: one precision on the line
    const decimals = nearOneDecimals(summary.lambda2)
    // an edge list numbered from 1: node 0 alone, every other node linked
    const deg = degrees(graph)
    const oneBased = topology.startsWith('file:') && n > 2 && deg[0] === 0 && deg.subarray(1).every((d) => d > 0)
    const lines = [
      `${topology}${note !== undefined ? ` (${note})` : ''} over ${n} ${n === 1 ? 'peer' : 'peers'}, seed ${seed}, weights ${scheme}`,
      `edges        ${summary.edges}${summary.connected ? '' : `  (NOT connected: peers will never agree${oneBased ? '; node 0 has no edge: node numbers start at 0, is the list numbered from 1?' : ''})`}`,
      `degree       min ${summary.degree.min}  mean ${summary.degree.mean.toFixed(2)}  max ${summary.degree.max}`,
      // one node: W = [1] has no second eigenvalue (its only one, 1, is λ1 = λn), and there is nothing to mix
      n === 1
        ? `lambda2      ${fmt(summary.lambda2)}   one peer: W = [1] has no λ2, nothing to average`
        : `lambda2      ${formatNearOne(summary.lambda2)}   max(|λ2|, |λn|) = max(${Math.abs(ev[1]).toFixed(decimals)}, ${Math.abs(ev[n - 1]).toFixed(decimals)})`,
      `gap          ${formatSmall(summary.spectralGap)}   1 − lambda2`,
      `‖I − W‖₂     ${formatSmall(summary.normIminusW)}`,
      `mixing time  ${mixingLine(n, summary.mixingTime)}`,
      n === 1
        ? 'consensus    one peer: its distance to the average is always 0'
        : !(summary.spectralGap > 0)
            ? `consensus    never shrinks: ${summary.connected ? 'the gap is 0' : 'the graph is not connected'}`
            : `consensus    distance shrinks by lambda2² = ${formatNearOne(summary.lambda2 ** 2)} a round`
    ]
    if (getBoolean(args, 'eigenvalues')) lines.push(`eigenvalues  ${ev.map((v) => v.toFixed(6)).join(' ')}`)
    io.out(lines.join('\n'))
    return 0
  }
}
