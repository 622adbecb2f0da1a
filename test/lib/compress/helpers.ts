import assert from 'node:assert/strict'
import type { Rng } from '../../../lib/random/index.ts'

/** d standard normal float32 entries. */
export function gaussian (d: number, rng: Rng, scale = 1): Float32Array {
  const x = new Float32Array(d)
  for (let i = 0; i < d; i++) x[i] = rng.normal() * scale
  return x
}

/** Runs fn and returns the error it throws, failing when it returns normally. */
export function thrown (fn: () => unknown): Error {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`)
    return err
  }
  assert.fail('expected an exception, none was thrown')
}

/** Asserts fn throws an error whose name (and reason, when given) match. */
export function assertThrowsNamed (fn: () => unknown, name: string, reason?: string): void {
  const err = thrown(fn)
  assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`)
  if (reason !== undefined) assert.equal((err as Error & { reason?: string }).reason, reason, err.message)
}

export function assertAllFinite (v: Float32Array): void {
  for (let i = 0; i < v.length; i++) assert.ok(Number.isFinite(v[i]), `entry ${i} is ${v[i]}`)
}

/** Every codec family, with parameters that exercise each code path at small d. */
export const ALL_SPECS = ['none', 'fp16', 'qsgd:1', 'qsgd:3', 'qsgd:16', 'topk:0.1', 'topk:0.6', 'randk:0.25', 'sign']
