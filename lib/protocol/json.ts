/**
 * The first checks of murmur's JSON gossipsub messages (membership announcements, telemetry summaries): a size
 * bound before anything is parsed, strict UTF-8, and a top-level object. Never throws: a fault names what was
 * wrong, so a topic validator can reject and count it. The fields are each format's own business.
 */

export type JsonObjectFault = 'size' | 'json' | 'shape'

export type JsonObjectResult =
  | { ok: true, object: Record<string, unknown> }
  | { ok: false, fault: JsonObjectFault, detail: string }

const decoder = new TextDecoder('utf-8', { fatal: true })

export function readJsonObject (bytes: Uint8Array, maxBytes: number): JsonObjectResult {
  if (bytes.length === 0 || bytes.length > maxBytes) return { ok: false, fault: 'size', detail: `expected 1 to ${maxBytes} bytes, got ${bytes.length}` }
  let o: unknown
  try {
    o = JSON.parse(decoder.decode(bytes))
  } catch {
    return { ok: false, fault: 'json', detail: 'expected UTF-8 JSON' }
  }
  if (!isObject(o)) return { ok: false, fault: 'shape', detail: `expected a JSON object, got ${Array.isArray(o) ? 'an array' : typeof o}` }
  return { ok: true, object: o }
}

export function isObject (o: unknown): o is Record<string, unknown> {
  return typeof o === 'object' && o !== null && !Array.isArray(o)
}
