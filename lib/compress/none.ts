import type { Codec } from './types.ts'
import { HEADER_BYTES, TAG } from './constants.ts'
import { f32Run, f32Window } from './bytes.ts'
import { allocPayload, expectLength, readHeader } from './header.ts'
import { assertFinite, checkFiniteValues, makeCodec } from './codec.ts'

/** Body: d float32 little-endian. Lossless; the in-run baseline every other codec is measured against. */
export function noneCodec (): Codec {
  const spec = 'none'
  return makeCodec({
    spec,
    lossless: true,
    encode (x) {
      assertFinite(x, spec)
      const d = x.length
      const bytes = allocPayload(noneBytes(d), TAG.none, 0, d)
      const w = f32Window(bytes, HEADER_BYTES, d)
      w.values.set(x)
      w.commit()
      return bytes
    },
    read (bytes, d, target, alpha, overwrite) {
      readHeader(bytes, TAG.none, spec, d, 0)
      expectLength(bytes, noneBytes(d), spec)
      const values = f32Run(bytes, HEADER_BYTES, d)
      checkFiniteValues(values, spec)
      const out = target()
      if (overwrite) {
        out.set(values)
      } else {
        for (let i = 0; i < d; i++) out[i] += alpha * values[i]
      }
      return out
    }
  })
}

export function noneBytes (d: number): number {
  return HEADER_BYTES + 4 * d
}
