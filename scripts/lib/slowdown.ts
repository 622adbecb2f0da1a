/** `--slowdown "2:3,5:1.5"`: which slots of a local cluster run slowed down, and by what factor (murmur peer --slowdown). */
import { UsageError } from '../../node/cli/args.ts'

const ITEM = /^(\d+):(\d+(?:\.\d+)?)$/

export function parseSlowdown (text: string, peers: number): Map<number, number> {
  const out = new Map<number, number>()
  if (text.trim() === '') return out
  for (const part of text.split(',')) {
    const m = ITEM.exec(part.trim())
    if (m === null) throw new UsageError(`invalid value for --slowdown: '${part}'; expected SLOT:FACTOR (e.g. 3:3), comma-separated`, 'slowdown')
    const slot = Number(m[1])
    const factor = Number(m[2])
    if (slot >= peers) throw new UsageError(`invalid value for --slowdown: '${part}': slot ${slot} does not exist (slots are 0..${peers - 1})`, 'slowdown')
    if (factor < 1 || factor > 1000) throw new UsageError(`invalid value for --slowdown: '${part}': the factor must be in [1, 1000]`, 'slowdown')
    out.set(slot, factor)
  }
  return out
}
