/**
 * Reads an undirected edge list: one `u v` pair of 0-based node indices a line, separated by spaces, tabs
 * or a comma; `#` starts a comment (whole line or trailing); blank lines are skipped. Each undirected edge
 * must appear once (`1 2` and `2 1` together are a duplicate). The CLI reads the file; this parses its text.
 */

import { EdgeCollector, checkNodeCount } from './graphs.ts'
import type { Graph } from './graphs.ts'
import { InvalidEdgeListError } from './errors.ts'
import { MAX_NODES } from './constants.ts'

const INDEX = /^(0|[1-9][0-9]*)$/

/**
 * Parses `text` into a Graph. n, when given, is the node count (isolated nodes allowed, indices must be
 * < n); otherwise n = 1 + the largest index. The graph may be disconnected: check with isConnected.
 * Throws InvalidEdgeListError (with the line number) on malformed lines, self loops, duplicates and
 * out-of-range indices.
 */
export function fromEdgeList (text: string, n?: number): Graph {
  if (n !== undefined) checkNodeCount(n)
  const us: number[] = []
  const vs: number[] = []
  const firstSeen = new Map<string, number>()
  let largest = -1
  const rows = text.split(/\r?\n/)
  for (let i = 0; i < rows.length; i++) {
    const lineNo = i + 1
    const hash = rows[i].indexOf('#')
    const body = (hash >= 0 ? rows[i].slice(0, hash) : rows[i]).trim()
    if (body === '') continue
    const tokens = body.split(/[\s,]+/)
    if (tokens.length !== 2) throw new InvalidEdgeListError(`expected two node indices 'u v', got '${body}'`, lineNo)
    const u = parseIndex(tokens[0], lineNo)
    const v = parseIndex(tokens[1], lineNo)
    if (u === v) throw new InvalidEdgeListError(`self loop ${u}-${v}: an edge joins two different nodes`, lineNo)
    if (n !== undefined && (u >= n || v >= n)) throw new InvalidEdgeListError(`edge ${u}-${v} is out of range: nodes are 0..${n - 1} for n = ${n}`, lineNo)
    const key = u < v ? `${u} ${v}` : `${v} ${u}`
    const earlier = firstSeen.get(key)
    if (earlier !== undefined) throw new InvalidEdgeListError(`duplicate edge ${u}-${v}, already given on line ${earlier}`, lineNo)
    firstSeen.set(key, lineNo)
    us.push(u); vs.push(v)
    if (u > largest) largest = u
    if (v > largest) largest = v
  }
  const size = n ?? largest + 1
  if (size < 1) throw new InvalidEdgeListError('the edge list has no edges and no node count n was given')
  if (size > MAX_NODES) throw new InvalidEdgeListError(`node index ${largest} implies n = ${size}, more than the ${MAX_NODES} supported`)
  const c = new EdgeCollector(size)
  for (let e = 0; e < us.length; e++) c.add(us[e], vs[e])
  return c.toGraph()
}

function parseIndex (token: string, lineNo: number): number {
  if (!INDEX.test(token)) throw new InvalidEdgeListError(`expected a non-negative integer node index, got '${token}'`, lineNo)
  const v = Number(token)
  if (v >= MAX_NODES) throw new InvalidEdgeListError(`node index ${token} is beyond the ${MAX_NODES} nodes supported`, lineNo)
  return v
}
