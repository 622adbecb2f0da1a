import assert from 'node:assert/strict'
import type { Graph } from '../../topologies/index.ts'

/** Asserts that fn throws an error whose name is `name` (never matching message text). */
export function assertThrowsNamed (fn: () => unknown, name: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`)
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`)
    return true
  })
}

/** Undirected edges as sorted "u-v" strings with u < v. */
export function edgeSet (g: Graph): Set<string> {
  const s = new Set<string>()
  for (let u = 0; u < g.n; u++) for (const v of g.adjacency[u]) if (u < v) s.add(`${u}-${v}`)
  return s
}

/** Max |a_k − b_k| of two equally long sequences. */
export function maxAbsDiff (a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length)
  let m = 0
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]))
  return m
}

/** Descending copy. */
export function sortedDescending (xs: ArrayLike<number>): number[] {
  return Array.from(xs).sort((p, q) => q - p)
}
