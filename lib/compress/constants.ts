/** Wire-format constants; FORMAT.md is the normative description of the bytes. */

/** version byte of every payload this code writes and the only one it accepts */
export const FORMAT_VERSION = 1

/** tag (8) + version (8) + flags (8) + reserved (8) + dimension (u32 LE) */
export const HEADER_BYTES = 8

/** first byte of a payload: which codec wrote the body (ef(...) writes its inner codec's tag) */
export const TAG = {
  none: 0x01,
  fp16: 0x02,
  qsgd: 0x03,
  topk: 0x04,
  randk: 0x05,
  sign: 0x06
} as const

/** top-k flags bit 0: indices are a d-bit bitmap instead of delta-varints */
export const FLAG_BITMAP = 0x01

/** largest dimension a u32 header field carries */
export const MAX_DIMENSION = 0xffffffff

/** largest QSGD level count: keeps a packed entry (sign + level) within 17 bits */
export const MAX_QSGD_LEVELS = 0xffff

/** an LEB128 u32 never needs more than 5 bytes */
export const MAX_VARINT_BYTES = 5
