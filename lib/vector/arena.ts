/**
 * Vectors that the WebAssembly kernels can reach. A kernel only sees its own linear memory, so vectors
 * meant for the SIMD paths (a peer's parameters, its frames) are carved out of WebAssembly.Memory arenas,
 * each with its own instance of the kernels. Everything else keeps working on any Float32Array: the
 * operations fall back to their JavaScript twins, which compute the same bits (see combine.ts).
 *
 * A block goes back to its arena's free list once every view handed out for it (`bytes` and `values`)
 * has been garbage-collected (FinalizationRegistry). Views derived from those (subarray, a new typed
 * array over the same range) do not keep the block alive: hold on to the views allocVector returned.
 * Arenas are ordinary (non-shared) memories that never grow, so no view is ever detached.
 */

import { kernelModule } from './wasm/kernels.ts'
import type { Kernels } from './wasm/kernels.ts'
import { FreeList } from './free-list.ts'
import { InvalidAllocationError } from './errors.ts'

/**
 * Coordinates per block in the blocked kernels: S and Q (float64) stay in L1/L2 while up to eight input
 * streams go by; measured at 256 × 100,000, 2048 beat 1024 and 512 by 5 to 15 %.
 */
export const KERNEL_BLOCK = 2048
const PAGE = 65536
/** The first page of every arena is scratch: acc, S, Q (float64 blocks) and a float32 mean block, 28 × 2048 = 57,344 bytes. */
const SCRATCH_BYTES = PAGE
/** Size of a new arena unless one request needs more: virtual until touched, so generous is cheap. */
const ARENA_BYTES = 256 * 1024 * 1024
/** Largest memory a 32-bit WebAssembly memory can have (65,536 pages). */
const MAX_MEMORY_BYTES = 65536 * PAGE
/** Block granularity: a cache line, so two vectors never share one. */
const ALIGN = 64

interface WasmApi {
  Memory: new (d: { initial: number, maximum?: number }) => { buffer: ArrayBuffer }
  Module: new (bytes: Uint8Array) => object
  Instance: new (m: object, imports: object) => { exports: unknown }
  validate (bytes: Uint8Array): boolean
}

/** One memory, its kernels, its scratch page and the free list of the rest. */
export class Arena {
  readonly buffer: ArrayBuffer
  readonly kernels: Kernels
  readonly blocks: FreeList
  /** scratch addresses (see SCRATCH_BYTES) */
  readonly acc = 0
  readonly sums = 8 * KERNEL_BLOCK
  readonly squares = 16 * KERNEL_BLOCK
  readonly mean = 24 * KERNEL_BLOCK

  constructor (bytes: number, wasm: WasmApi, module: object) {
    const memory = new wasm.Memory({ initial: bytes / PAGE, maximum: bytes / PAGE })
    this.buffer = memory.buffer
    this.kernels = new wasm.Instance(module, { env: { memory } }).exports as Kernels
    this.blocks = new FreeList(SCRATCH_BYTES, bytes)
  }
}

interface Held { arena: Arena, start: number, size: number, live: number }

const arenas: Arena[] = []
const registry = new FinalizationRegistry<Held>((held) => {
  if (--held.live === 0) held.arena.blocks.release(held.start, held.size)
})
interface Support { wasm: WasmApi, module: object }
/** null until first asked for */
let support: Support | undefined | null = null

/** The WebAssembly API and the compiled kernels, or undefined where either is missing (no SIMD, big-endian host). */
function wasmSupport (): Support | undefined {
  if (support === null) {
    support = undefined
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly
    // wasm memory is little-endian; Float32Array views use the host's order
    const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
    const bytes = kernelModule(1)
    if (wasm !== undefined && littleEndian && wasm.validate(bytes)) support = { wasm, module: new wasm.Module(bytes) }
  }
  return support
}

function place (size: number): { arena: Arena, start: number } | undefined {
  for (const arena of arenas) {
    const start = arena.blocks.take(size)
    if (start >= 0) return { arena, start }
  }
  const support = wasmSupport()
  const bytes = Math.max(ARENA_BYTES, Math.ceil((size + SCRATCH_BYTES) / PAGE) * PAGE)
  if (support === undefined || bytes > MAX_MEMORY_BYTES) return undefined
  let arena: Arena
  try {
    arena = new Arena(bytes, support.wasm, support.module)
  } catch (err) {
    // the engine refused the memory (address space or a memory limit): plain arrays still work
    if (err instanceof RangeError) return undefined
    throw err
  }
  arenas.push(arena)
  return { arena, start: arena.blocks.take(size) }
}

export interface FramedVector {
  /** headerBytes bytes followed by the values */
  bytes: Uint8Array
  /** the length floats after the header */
  values: Float32Array
}

/**
 * A zeroed vector of `length` floats after `headerBytes` bytes (a multiple of 8, so the values stay
 * 8-byte aligned), in kernel memory when there is room and WebAssembly SIMD is available, else in an
 * ordinary ArrayBuffer. Both views keep the block alive.
 */
export function allocFramed (length: number, headerBytes = 0): FramedVector {
  if (!Number.isInteger(length) || length < 0) throw new InvalidAllocationError(`allocFramed: expected an integer length ≥ 0, got ${String(length)}`)
  if (!Number.isInteger(headerBytes) || headerBytes < 0 || headerBytes % 8 !== 0) throw new InvalidAllocationError(`allocFramed: expected headerBytes a multiple of 8 ≥ 0, got ${String(headerBytes)}`)
  const used = headerBytes + 4 * length
  const size = Math.max(ALIGN, Math.ceil(used / ALIGN) * ALIGN)
  const spot = place(size)
  if (spot === undefined) {
    const bytes = new Uint8Array(used)
    return { bytes, values: new Float32Array(bytes.buffer, headerBytes, length) }
  }
  const { arena, start } = spot
  const bytes = new Uint8Array(arena.buffer, start, used)
  bytes.fill(0)
  const values = new Float32Array(arena.buffer, start + headerBytes, length)
  const held: Held = { arena, start, size, live: 2 }
  registry.register(bytes, held)
  registry.register(values, held)
  return { bytes, values }
}

/** A zeroed Float32Array of `length` floats, in kernel memory when possible (see allocFramed). */
export function allocVector (length: number): Float32Array {
  return allocFramed(length, 0).values
}

/** The arena holding `v`, or undefined for an ordinary array. */
export function arenaOf (v: Float32Array): Arena | undefined {
  const buffer = v.buffer
  for (let k = 0; k < arenas.length; k++) if (arenas[k].buffer === buffer) return arenas[k]
  return undefined
}

/** The arena holding all of `out` and `vectors`, or undefined when any of them lies elsewhere. */
export function commonArena (out: Float32Array, vectors: ReadonlyArray<Float32Array>): Arena | undefined {
  const arena = arenaOf(out)
  if (arena === undefined) return undefined
  for (let k = 0; k < vectors.length; k++) if (vectors[k].buffer !== arena.buffer) return undefined
  return arena
}

/** True when `v` lives in kernel memory (so the SIMD paths can run on it). */
export function isKernelVector (v: Float32Array): boolean {
  return arenaOf(v) !== undefined
}

