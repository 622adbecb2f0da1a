import type { Rng } from '../random/index.ts'

/**
 * A compressor of Float32Array vectors (models or model differences) into exact wire bytes.
 * The first four members are the contract of docs/ARCHITECTURE.md; `decodeInto` and `addDecoded` are
 * allocation-free variants of `decode` for hot paths (CHOCO-SGD's x̂ += q). Every decoding member validates
 * the whole payload before it writes a single coordinate, so `out` is untouched when it throws.
 */
export interface Codec {
  /** canonical spec, e.g. 'topk:0.01', 'ef(qsgd:16)'; parseCodec(spec) gives an equivalent codec */
  readonly spec: string
  /** true when decode(encode(x)) === x bit for bit for every finite x */
  readonly lossless: boolean
  /** the exact bytes on the wire for this vector; throws NonFiniteInputError on NaN or ±Infinity */
  encode (x: Float32Array, rng: Rng): Uint8Array
  /** a fresh vector of length d; throws InvalidPayloadError on anything malformed */
  decode (bytes: Uint8Array, d: number): Float32Array
  /** overwrites out (length d) with the decoded vector and returns it */
  decodeInto (bytes: Uint8Array, d: number, out: Float32Array): Float32Array
  /** out += alpha · decode(bytes, d), touching only the coordinates a sparse payload carries */
  addDecoded (bytes: Uint8Array, d: number, out: Float32Array, alpha: number): void
}

/** An error-feedback codec: stateful, one instance per sender stream. */
export interface ErrorFeedbackCodec extends Codec {
  /** the codec that compresses x + e and decodes the payloads */
  readonly inner: Codec
  /** ‖e‖₂ of the error memory (0 before the first encode) */
  errorNorm (): number
  /** forget the error memory (e.g. when the stream restarts from a full-precision exchange) */
  reset (): void
  /** a copy of the error memory e (undefined before the first encode), for checkpoints */
  exportMemory (): Float32Array | undefined
  /** replaces the error memory with a copy of `memory` (undefined: as reset()); a checkpoint's counterpart of exportMemory */
  importMemory (memory: Float32Array | undefined): void
}

/** Per-message facts a byte count depends on beyond the spec and d (top-k's chosen indices). */
export interface ByteCountInfo {
  /** top-k: the chosen coordinates in increasing order; their gaps decide varint vs bitmap */
  indices?: ArrayLike<number>
}
