/**
 * The WebAssembly SIMD kernels behind linearCombination, meanAndSpread, sgdStep and gemm, written with encoder.ts.
 *
 * Every kernel computes exactly what its JavaScript twin computes, bit for bit. The vector kernels promote float32
 * inputs to float64 (exact), combine them with IEEE float64 multiplies and adds in the same order (no fused
 * multiply-add: core WebAssembly has none), and round once to float32 (f32x4.demote is round-to-nearest-even, like
 * Math.fround); the matrix-product tiles stay in float32, rounding each product and each sum as Math.fround does.
 * The speed comes from SIMD lanes and from running with no bounds or type checks per element, not from a
 * different arithmetic. Two float32 values at a time are read with v128.load64_zero and written with
 * v128.store64_lane, so 8-byte alignment is enough; the tiles' v128 loads need none.
 *
 * Pointers and lengths are byte addresses and element counts in the imported memory.
 */

import { F32, F64, I32, V128, moduleBytes, op } from './encoder.ts'
import type { FunctionDef, ValType } from './encoder.ts'

/** The largest k with a fused kernel `comb{k}`; more inputs go through the acc* kernels. */
export const MAX_FUSED = 4

/**
 * A loop over the elements of a vector: `pair(f32Offset)` handles elements (i, i + 1) at float32 byte
 * index i + f32Offset, unrolled twice; `single` handles a last odd element. `i` and `n` are locals (byte
 * index into float32 data, element count) and `end` a scratch local.
 */
function pairLoop (i: number, n: number, end: number, pair: (f32Offset: number) => number[], single: number[]): number[] {
  const advance = (bytes: number): number[] => [...op.get(i), ...op.i32(bytes), ...op.i32Add, ...op.set(i)]
  const fits = (bytes: number): number[] => [...op.get(i), ...op.i32(bytes), ...op.i32Add, ...op.get(end), ...op.i32LeU]
  return [
    ...op.get(n), ...op.i32(4), ...op.i32Mul, ...op.set(end),
    ...op.block, ...op.loop,
    ...fits(16), ...op.i32Eqz, ...op.brIf(1),
    ...pair(0), ...pair(8), ...advance(16),
    ...op.br(0),
    ...op.end, ...op.end,
    ...fits(8), ...op.if, ...pair(0), ...advance(8), ...op.end,
    ...op.get(i), ...op.get(end), ...op.i32LtU, ...op.if, ...single, ...op.end
  ]
}

/** Two float32 at `ptr + i + offset` as an f64x2. */
const loadPair = (ptr: number, i: number, offset: number): number[] =>
  [...op.get(ptr), ...op.get(i), ...op.i32Add, ...op.v128Load64Zero(offset), ...op.f64x2PromoteLowF32x4]
/** One float32 at `ptr + i` as an f64. */
const loadOne = (ptr: number, i: number): number[] => [...op.get(ptr), ...op.get(i), ...op.i32Add, ...op.f32Load(0), ...op.f64PromoteF32]
/** address `ptr + 2·i` (float64 data indexed by a float32 byte index) */
const wide = (ptr: number, i: number): number[] => [...op.get(ptr), ...op.get(i), ...op.get(i), ...op.i32Add, ...op.i32Add]

/**
 * comb{k}(out, x1..xk, n, c1..ck) -> finite: out ← fround(c1·x1 + c2·x2 + ... + ck·xk), summed left to
 * right in float64. Returns 1 when every output is finite (v·0 is NaN exactly for v = NaN or ±∞, so
 * accumulating out·0 detects both without a second pass).
 */
function comb (k: number): FunctionDef {
  const OUT = 0
  const X = (j: number): number => 1 + j
  const N = 1 + k
  const C = (j: number): number => 2 + k + j
  const I = 2 + 2 * k
  const END = I + 1
  const SPLAT = (j: number): number => END + 1 + j
  const T = END + 1 + k
  const FIN = T + 1
  const S = FIN + 1
  const FINS = S + 1
  const pair = (offset: number): number[] => {
    const code: number[] = [...op.get(OUT), ...op.get(I), ...op.i32Add]
    for (let j = 0; j < k; j++) {
      code.push(...loadPair(X(j), I, offset), ...op.get(SPLAT(j)), ...op.f64x2Mul)
      if (j > 0) code.push(...op.f64x2Add)
    }
    code.push(...op.f32x4DemoteF64x2Zero, ...op.tee(T), ...op.v128Store64Lane0(offset))
    code.push(...op.get(FIN), ...op.get(T), ...op.v128Const0, ...op.f32x4Mul, ...op.f32x4Add, ...op.set(FIN))
    return code
  }
  const single: number[] = [...op.get(OUT), ...op.get(I), ...op.i32Add]
  for (let j = 0; j < k; j++) {
    single.push(...loadOne(X(j), I), ...op.get(C(j)), ...op.f64Mul)
    if (j > 0) single.push(...op.f64Add)
  }
  single.push(...op.f32DemoteF64, ...op.tee(S), ...op.f32Store(0))
  single.push(...op.get(FINS), ...op.get(S), ...op.f32Const0, ...op.f32Mul, ...op.f32Add, ...op.set(FINS))
  const body: number[] = []
  for (let j = 0; j < k; j++) body.push(...op.get(C(j)), ...op.f64x2Splat, ...op.set(SPLAT(j)))
  body.push(...pairLoop(I, N, END, pair, single))
  // finite ⇔ no NaN lane in FIN and FINS == FINS
  body.push(...op.get(FIN), ...op.get(FIN), ...op.f32x4Ne, ...op.v128AnyTrue)
  body.push(...op.get(FINS), ...op.get(FINS), ...op.f32Ne, ...op.i32Or, ...op.i32Eqz)
  const params: ValType[] = [I32, ...new Array<ValType>(k).fill(I32), I32, ...new Array<ValType>(k).fill(F64)]
  const locals: ValType[] = [I32, I32, ...new Array<ValType>(k).fill(V128), V128, V128, F32, F32]
  return { name: `comb${k}`, params, results: [I32], locals, body }
}

/**
 * accStart(acc, x, n, c): acc ← c·x and accAdd(acc, x, n, c): acc ← acc + c·x, with acc float64;
 * the blocked path for more than MAX_FUSED inputs (acc is a block of scratch that stays in L1).
 */
function accumulate (add: boolean): FunctionDef {
  const ACC = 0; const X = 1; const N = 2; const C = 3; const I = 4; const END = 5; const SPLAT = 6
  const pair = (offset: number): number[] => {
    const code = [...wide(ACC, I)]
    if (add) code.push(...wide(ACC, I), ...op.v128Load(2 * offset))
    code.push(...loadPair(X, I, offset), ...op.get(SPLAT), ...op.f64x2Mul)
    if (add) code.push(...op.f64x2Add)
    code.push(...op.v128Store(2 * offset))
    return code
  }
  const single = [...wide(ACC, I)]
  if (add) single.push(...wide(ACC, I), ...op.f64Load(0))
  single.push(...loadOne(X, I), ...op.get(C), ...op.f64Mul)
  if (add) single.push(...op.f64Add)
  single.push(...op.f64Store(0))
  return {
    name: add ? 'accAdd' : 'accStart',
    params: [I32, I32, I32, F64],
    results: [],
    locals: [I32, I32, V128],
    body: [...op.get(C), ...op.f64x2Splat, ...op.set(SPLAT), ...pairLoop(I, N, END, pair, single)]
  }
}

/** accRound(out, acc, n) -> finite: out ← fround(acc). */
function accRound (): FunctionDef {
  const OUT = 0; const ACC = 1; const N = 2; const I = 3; const END = 4; const T = 5; const FIN = 6; const S = 7; const FINS = 8
  const pair = (offset: number): number[] => [
    ...op.get(OUT), ...op.get(I), ...op.i32Add,
    ...wide(ACC, I), ...op.v128Load(2 * offset), ...op.f32x4DemoteF64x2Zero, ...op.tee(T), ...op.v128Store64Lane0(offset),
    ...op.get(FIN), ...op.get(T), ...op.v128Const0, ...op.f32x4Mul, ...op.f32x4Add, ...op.set(FIN)
  ]
  const single = [
    ...op.get(OUT), ...op.get(I), ...op.i32Add, ...wide(ACC, I), ...op.f64Load(0), ...op.f32DemoteF64, ...op.tee(S), ...op.f32Store(0),
    ...op.get(FINS), ...op.get(S), ...op.f32Const0, ...op.f32Mul, ...op.f32Add, ...op.set(FINS)
  ]
  return {
    name: 'accRound',
    params: [I32, I32, I32],
    results: [I32],
    locals: [I32, I32, V128, V128, F32, F32],
    body: [
      ...pairLoop(I, N, END, pair, single),
      ...op.get(FIN), ...op.get(FIN), ...op.f32x4Ne, ...op.v128AnyTrue,
      ...op.get(FINS), ...op.get(FINS), ...op.f32Ne, ...op.i32Or, ...op.i32Eqz
    ]
  }
}

/**
 * spreadAcc{k}(S, Q, v0, v1..vk, n): with y_j = v_j − v0 in float64 (exact for float32 inputs),
 * S ← S + y_1 + ... + y_k and Q ← Q + y_1² + ... + y_k², left to right (so one call on k vectors equals k
 * calls on one, bit for bit, with k times fewer passes over S and Q). The shift by the first vector v0
 * keeps the one-pass variance formula free of cancellation (Chan, Golub & LeVeque 1983, "Algorithms for
 * computing the sample variance", § 3: shifted data).
 */
function spreadAcc (k: number): FunctionDef {
  const SP = 0; const QP = 1; const V0 = 2
  const V = (j: number): number => 3 + j
  const N = 3 + k
  const I = N + 1; const END = I + 1
  const Y = (j: number): number => END + 1 + j
  const X0 = END + 1 + k
  const YS = (j: number): number => X0 + 1 + j
  const X0S = X0 + 1 + k
  const pair = (offset: number): number[] => {
    const code = [...loadPair(V0, I, offset), ...op.set(X0)]
    for (let j = 0; j < k; j++) code.push(...loadPair(V(j), I, offset), ...op.get(X0), ...op.f64x2Sub, ...op.set(Y(j)))
    code.push(...wide(SP, I), ...wide(SP, I), ...op.v128Load(2 * offset))
    for (let j = 0; j < k; j++) code.push(...op.get(Y(j)), ...op.f64x2Add)
    code.push(...op.v128Store(2 * offset))
    code.push(...wide(QP, I), ...wide(QP, I), ...op.v128Load(2 * offset))
    for (let j = 0; j < k; j++) code.push(...op.get(Y(j)), ...op.get(Y(j)), ...op.f64x2Mul, ...op.f64x2Add)
    code.push(...op.v128Store(2 * offset))
    return code
  }
  const single = [...loadOne(V0, I), ...op.set(X0S)]
  for (let j = 0; j < k; j++) single.push(...loadOne(V(j), I), ...op.get(X0S), ...op.f64Sub, ...op.set(YS(j)))
  single.push(...wide(SP, I), ...wide(SP, I), ...op.f64Load(0))
  for (let j = 0; j < k; j++) single.push(...op.get(YS(j)), ...op.f64Add)
  single.push(...op.f64Store(0))
  single.push(...wide(QP, I), ...wide(QP, I), ...op.f64Load(0))
  for (let j = 0; j < k; j++) single.push(...op.get(YS(j)), ...op.get(YS(j)), ...op.f64Mul, ...op.f64Add)
  single.push(...op.f64Store(0))
  return {
    name: `spreadAcc${k}`,
    params: [I32, I32, I32, ...new Array<ValType>(k).fill(I32), I32],
    results: [],
    locals: [I32, I32, ...new Array<ValType>(k + 1).fill(V128), ...new Array<ValType>(k + 1).fill(F64)],
    body: pairLoop(I, N, END, pair, single)
  }
}

/**
 * spreadEnd(S, Q, v0, mean, n, inv) -> Σ (Q − (S·inv)·S): with t = S·inv (inv = 1/m), mean ← fround(v0 + t)
 * and the block's Σ_k Σ_i (x_ik − x̄_k)². Even elements are summed in lane 0, odd ones in lane 1, a last
 * odd element goes to lane 0, and the result is lane 0 + lane 1 (combine.ts sums in the same order).
 */
function spreadEnd (): FunctionDef {
  const SP = 0; const QP = 1; const V0 = 2; const MEAN = 3; const N = 4; const INV = 5
  const I = 6; const END = 7; const T = 8; const SPLAT = 9; const ACC = 10; const TS = 11; const L0 = 12
  const pair = (offset: number): number[] => [
    ...wide(SP, I), ...op.v128Load(2 * offset), ...op.get(SPLAT), ...op.f64x2Mul, ...op.set(T),
    ...op.get(MEAN), ...op.get(I), ...op.i32Add,
    ...loadPair(V0, I, offset), ...op.get(T), ...op.f64x2Add, ...op.f32x4DemoteF64x2Zero, ...op.v128Store64Lane0(offset),
    ...op.get(ACC), ...wide(QP, I), ...op.v128Load(2 * offset), ...op.get(T), ...wide(SP, I), ...op.v128Load(2 * offset), ...op.f64x2Mul,
    ...op.f64x2Sub, ...op.f64x2Add, ...op.set(ACC)
  ]
  const single = [
    ...wide(SP, I), ...op.f64Load(0), ...op.get(INV), ...op.f64Mul, ...op.set(TS),
    ...op.get(MEAN), ...op.get(I), ...op.i32Add, ...loadOne(V0, I), ...op.get(TS), ...op.f64Add, ...op.f32DemoteF64, ...op.f32Store(0),
    ...op.get(L0), ...wide(QP, I), ...op.f64Load(0), ...op.get(TS), ...wide(SP, I), ...op.f64Load(0), ...op.f64Mul, ...op.f64Sub, ...op.f64Add, ...op.set(L0)
  ]
  return {
    name: 'spreadEnd',
    params: [I32, I32, I32, I32, I32, F64],
    results: [F64],
    locals: [I32, I32, V128, V128, V128, F64, F64],
    body: [
      ...op.get(INV), ...op.f64x2Splat, ...op.set(SPLAT), ...op.v128Const0, ...op.set(ACC),
      ...pairLoop(I, N, END, pair, [...op.get(ACC), ...op.f64x2ExtractLane(0), ...op.set(L0), ...single, ...op.get(ACC), ...op.get(L0), ...op.f64x2ReplaceLane(0), ...op.set(ACC)]),
      ...op.get(ACC), ...op.f64x2ExtractLane(0), ...op.get(ACC), ...op.f64x2ExtractLane(1), ...op.f64Add
    ]
  }
}

/**
 * One SGD update, the kernels behind lib/vector's sgdStep (torch.optim.SGD's convention, like its JavaScript twin):
 *   sgdPlain(x, g, n, lr):              x ← fround(x − lr·g)
 *   sgdDecay(x, g, n, lr, wd):          x ← fround(x − lr·(g + wd·x))
 *   sgdMomentum(x, g, v, n, lr, mu, wd): v ← fround(mu·v + g + wd·x), then x ← fround(x − lr·v)
 * each in float64, left to right, as the twin writes it.
 */
function sgd (kind: 'plain' | 'decay' | 'momentum'): FunctionDef {
  const momentum = kind === 'momentum'
  const X = 0; const G = 1; const V = 2
  const N = momentum ? 3 : 2
  const LR = N + 1
  const MU = N + 2
  const WD = momentum ? N + 3 : N + 2
  const nParams = momentum ? 7 : kind === 'decay' ? 5 : 4
  const I = nParams; const END = I + 1
  const SLR = END + 1; const SMU = SLR + 1; const SWD = SLR + 2; const T = SLR + 3; const S = T + 1
  const at = (ptr: number): number[] => [...op.get(ptr), ...op.get(I), ...op.i32Add]
  const pair = (offset: number): number[] => {
    if (kind === 'plain') {
      return [...at(X), ...loadPair(X, I, offset), ...op.get(SLR), ...loadPair(G, I, offset), ...op.f64x2Mul, ...op.f64x2Sub,
        ...op.f32x4DemoteF64x2Zero, ...op.v128Store64Lane0(offset)]
    }
    if (kind === 'decay') {
      return [...at(X), ...loadPair(X, I, offset), ...op.get(SLR), ...loadPair(G, I, offset), ...loadPair(X, I, offset), ...op.get(SWD), ...op.f64x2Mul,
        ...op.f64x2Add, ...op.f64x2Mul, ...op.f64x2Sub, ...op.f32x4DemoteF64x2Zero, ...op.v128Store64Lane0(offset)]
    }
    return [
      ...at(V), ...loadPair(V, I, offset), ...op.get(SMU), ...op.f64x2Mul, ...loadPair(G, I, offset), ...op.f64x2Add,
      ...loadPair(X, I, offset), ...op.get(SWD), ...op.f64x2Mul, ...op.f64x2Add, ...op.f32x4DemoteF64x2Zero, ...op.tee(T), ...op.v128Store64Lane0(offset),
      ...at(X), ...loadPair(X, I, offset), ...op.get(SLR), ...op.get(T), ...op.f64x2PromoteLowF32x4, ...op.f64x2Mul, ...op.f64x2Sub,
      ...op.f32x4DemoteF64x2Zero, ...op.v128Store64Lane0(offset)
    ]
  }
  let single: number[]
  if (kind === 'plain') {
    single = [...at(X), ...loadOne(X, I), ...op.get(LR), ...loadOne(G, I), ...op.f64Mul, ...op.f64Sub, ...op.f32DemoteF64, ...op.f32Store(0)]
  } else if (kind === 'decay') {
    single = [...at(X), ...loadOne(X, I), ...op.get(LR), ...loadOne(G, I), ...loadOne(X, I), ...op.get(WD), ...op.f64Mul, ...op.f64Add, ...op.f64Mul,
      ...op.f64Sub, ...op.f32DemoteF64, ...op.f32Store(0)]
  } else {
    single = [
      ...at(V), ...loadOne(V, I), ...op.get(MU), ...op.f64Mul, ...loadOne(G, I), ...op.f64Add, ...loadOne(X, I), ...op.get(WD), ...op.f64Mul, ...op.f64Add,
      ...op.f32DemoteF64, ...op.tee(S), ...op.f32Store(0),
      ...at(X), ...loadOne(X, I), ...op.get(LR), ...op.get(S), ...op.f64PromoteF32, ...op.f64Mul, ...op.f64Sub, ...op.f32DemoteF64, ...op.f32Store(0)
    ]
  }
  const splats = [...op.get(LR), ...op.f64x2Splat, ...op.set(SLR)]
  if (momentum) splats.push(...op.get(MU), ...op.f64x2Splat, ...op.set(SMU))
  if (kind !== 'plain') splats.push(...op.get(WD), ...op.f64x2Splat, ...op.set(SWD))
  const params: ValType[] = momentum ? [I32, I32, I32, I32, F64, F64, F64] : kind === 'decay' ? [I32, I32, I32, F64, F64] : [I32, I32, I32, F64]
  return {
    name: kind === 'plain' ? 'sgdPlain' : kind === 'decay' ? 'sgdDecay' : 'sgdMomentum',
    params,
    results: [],
    locals: [I32, I32, V128, V128, V128, V128, F32],
    body: [...splats, ...pairLoop(I, N, END, pair, single)]
  }
}

/**
 * gemm{R}x{4V}(c, a, ars, ats, b, ldb, ldc, k, init, irs, floor): one R × 4V tile of a float32 matrix product,
 *   C(r, j) ← max(init(r, j) + Σ_{t < k} A(r, t)·B(t, j), floor)   for r < R, j < 4V,
 * with A(r, t) at a + r·ars + t·ats, B(t, j) at b + t·ldb + 4j, C(r, j) at c + r·ldc + 4j and init(r, j) at
 * init + r·irs + 4j (byte addresses and strides; irs = 0 repeats one row, a bias). The sum runs over t in order,
 * each product and each addition rounded to float32 (f32x4.mul then f32x4.add: no fused multiply-add), which the
 * JavaScript twin in gemm.ts repeats bit for bit. The R·V accumulators stay in registers over the whole sum; each
 * step loads V vectors of B's row t and broadcasts R scalars of A, so A may be read along a row or down a column
 * (a transposed operand costs no copy). floor = 0 applies a ReLU, −∞ nothing; f32x4.max keeps NaN.
 */
function gemmTile (R: number, V: number): FunctionDef {
  const C = 0; const A = 1; const ARS = 2; const ATS = 3; const B = 4; const LDB = 5; const LDC = 6; const K = 7
  const INIT = 8; const IRS = 9; const FLOOR = 10
  let next = 11
  const AP = Array.from({ length: R }, () => next++)
  const PB = next++
  const ACC = Array.from({ length: R * V }, () => next++)
  const BV = Array.from({ length: V }, () => next++)
  const S = next++
  const FL = next++
  const row = (base: number, stride: number, r: number): number[] => [...op.get(base), ...op.get(stride), ...op.i32(r), ...op.i32Mul, ...op.i32Add]
  const body: number[] = []
  for (let r = 0; r < R; r++) {
    body.push(...row(A, ARS, r), ...op.set(AP[r]))
    for (let v = 0; v < V; v++) body.push(...row(INIT, IRS, r), ...op.v128Load(16 * v), ...op.set(ACC[r * V + v]))
  }
  body.push(...op.get(B), ...op.set(PB))
  body.push(...op.block, ...op.loop, ...op.get(K), ...op.i32Eqz, ...op.brIf(1))
  for (let v = 0; v < V; v++) body.push(...op.get(PB), ...op.v128Load(16 * v), ...op.set(BV[v]))
  for (let r = 0; r < R; r++) {
    body.push(...op.get(AP[r]), ...op.f32Load(0), ...op.f32x4Splat, ...op.set(S))
    for (let v = 0; v < V; v++) {
      body.push(...op.get(ACC[r * V + v]), ...op.get(S), ...op.get(BV[v]), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(ACC[r * V + v]))
    }
    body.push(...op.get(AP[r]), ...op.get(ATS), ...op.i32Add, ...op.set(AP[r]))
  }
  body.push(...op.get(PB), ...op.get(LDB), ...op.i32Add, ...op.set(PB))
  body.push(...op.get(K), ...op.i32(1), ...op.i32Sub, ...op.set(K), ...op.br(0), ...op.end, ...op.end)
  body.push(...op.get(FLOOR), ...op.f32x4Splat, ...op.set(FL))
  for (let r = 0; r < R; r++) {
    for (let v = 0; v < V; v++) body.push(...row(C, LDC, r), ...op.get(ACC[r * V + v]), ...op.get(FL), ...op.f32x4Max, ...op.v128Store(16 * v))
  }
  return {
    name: `gemm${R}x${4 * V}`,
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32],
    results: [],
    locals: [...AP.map((): ValType => I32), I32, ...ACC.map((): ValType => V128), ...BV.map((): ValType => V128), V128, V128],
    body
  }
}

/** The kernels module, importing a memory of at least `pages` 64 KiB pages. */
export function kernelModule (pages: number): Uint8Array {
  const fns: FunctionDef[] = []
  for (let k = 1; k <= MAX_FUSED; k++) fns.push(comb(k))
  fns.push(accumulate(false), accumulate(true), accRound(), spreadAcc(1), spreadAcc(4), spreadAcc(8), spreadEnd())
  fns.push(sgd('plain'), sgd('decay'), sgd('momentum'))
  fns.push(gemmTile(4, 2), gemmTile(4, 1), gemmTile(1, 2), gemmTile(1, 1))
  return moduleBytes(fns, pages)
}

/** What an instance of kernelModule exports (pointers and counts are integers, see each kernel). */
export interface Kernels {
  comb1 (out: number, x: number, n: number, a: number): number
  comb2 (out: number, x: number, y: number, n: number, a: number, b: number): number
  comb3 (out: number, x: number, y: number, z: number, n: number, a: number, b: number, c: number): number
  comb4 (out: number, x: number, y: number, z: number, w: number, n: number, a: number, b: number, c: number, e: number): number
  accStart (acc: number, x: number, n: number, c: number): void
  accAdd (acc: number, x: number, n: number, c: number): void
  accRound (out: number, acc: number, n: number): number
  spreadAcc1 (s: number, q: number, v0: number, v: number, n: number): void
  spreadAcc4 (s: number, q: number, v0: number, a: number, b: number, c: number, d: number, n: number): void
  spreadAcc8 (s: number, q: number, v0: number, a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, n: number): void
  spreadEnd (s: number, q: number, v0: number, mean: number, n: number, inv: number): number
  sgdPlain (x: number, g: number, n: number, lr: number): void
  sgdDecay (x: number, g: number, n: number, lr: number, wd: number): void
  sgdMomentum (x: number, g: number, v: number, n: number, lr: number, mu: number, wd: number): void
  gemm4x8: GemmTile
  gemm4x4: GemmTile
  gemm1x8: GemmTile
  gemm1x4: GemmTile
}

/** One tile of a matrix product (gemmTile above; byte addresses and strides). */
export type GemmTile = (c: number, a: number, ars: number, ats: number, b: number, ldb: number, ldc: number, k: number,
  init: number, irs: number, floor: number) => void
