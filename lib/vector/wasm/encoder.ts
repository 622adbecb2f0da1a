/**
 * A minimal WebAssembly binary encoder: just enough of the format (WebAssembly Core Specification 2.0,
 * § 5 "Binary Format", plus the fixed-width SIMD opcodes of § 5.4.8) to write the few vector kernels of
 * kernels.ts in-process, so no toolchain or prebuilt .wasm file is needed. Functions are written as flat
 * byte arrays with the helpers below; `moduleBytes` assembles a module that imports one memory.
 */

export const I32 = 0x7f
export const F32 = 0x7d
export const F64 = 0x7c
export const V128 = 0x7b
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128

/** Unsigned LEB128. */
export function uleb (n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}

/** Signed LEB128 (for i32.const). */
export function sleb (n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out }
    out.push(b | 0x80)
  }
}

function name (s: string): number[] {
  const b = new TextEncoder().encode(s)
  return [...uleb(b.length), ...b]
}

function vec (items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()]
}

function section (id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body]
}

const simd = (op: number): number[] => [0xfd, ...uleb(op)]
/** memarg: log2 alignment hint and a constant byte offset */
const mem = (align: number, offset: number): number[] => [align, ...uleb(offset)]

/** The instructions the kernels use (opcode numbers from the specification's index of instructions). */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Or: [0x72],
  i32LtU: [0x49],
  i32LeU: [0x4d],
  i32Eqz: [0x45],
  /** structured control: block and loop with no result, if with no result */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  f32Load: (offset: number) => [0x2a, ...mem(2, offset)],
  f32Store: (offset: number) => [0x38, ...mem(2, offset)],
  f64Load: (offset: number) => [0x2b, ...mem(3, offset)],
  f64Store: (offset: number) => [0x39, ...mem(3, offset)],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f32Mul: [0x94],
  f32Add: [0x92],
  f32Ne: [0x5c],
  f32Const0: [0x43, 0, 0, 0, 0],
  f64PromoteF32: [0xbb],
  f32DemoteF64: [0xb6],
  v128Load: (offset: number) => [...simd(0), ...mem(4, offset)],
  v128Store: (offset: number) => [...simd(11), ...mem(4, offset)],
  /** two float32 (8 bytes) into the low lanes, the high lanes zero */
  v128Load64Zero: (offset: number) => [...simd(93), ...mem(3, offset)],
  /** the low 8 bytes (two float32 lanes after a demote) */
  v128Store64Lane0: (offset: number) => [...simd(91), ...mem(3, offset), 0],
  f64x2Splat: simd(20),
  f64x2ExtractLane: (lane: number) => [...simd(33), lane],
  f64x2ReplaceLane: (lane: number) => [...simd(34), lane],
  f64x2PromoteLowF32x4: simd(95),
  f32x4DemoteF64x2Zero: simd(94),
  f64x2Add: simd(240),
  f64x2Sub: simd(241),
  f64x2Mul: simd(242),
  f32x4Add: simd(228),
  f32x4Mul: simd(230),
  f32x4Ne: simd(66),
  f32x4Splat: simd(19),
  /** lane-wise maximum; NaN in either operand gives NaN, and max(−0, +0) = +0 (as Math.max) */
  f32x4Max: simd(233),
  v128AnyTrue: simd(83),
  v128Const0: [...simd(12), ...new Array<number>(16).fill(0)]
}

export interface FunctionDef {
  name: string
  params: ValType[]
  results: ValType[]
  /** extra locals after the parameters, in order */
  locals: ValType[]
  body: number[]
}

/** A module importing `env.memory` (min `pages`, non-shared) and exporting every function by name. */
export function moduleBytes (fns: FunctionDef[], pages: number): Uint8Array {
  const types = fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))])
  const imports = [[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(pages)]]
  const funcs = fns.map((_, i) => uleb(i))
  const exports = fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])
  const codes = fns.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]))
    const body = [...locals, ...f.body, ...op.end]
    return [...uleb(body.length), ...body]
  })
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs)),
    ...section(7, vec(exports)),
    ...section(10, vec(codes))
  ])
}
