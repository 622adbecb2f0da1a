/**
 * The experiment-only Byzantine settings: `attack` (what a misbehaving peer sends) and, in the simulator,
 * `attackers` (which peers misbehave). Local choices: never among the agreed fields, never received.
 * A count of attackers becomes a seeded choice of slots here, so config.json names the slots and a rerun
 * from it designates the same peers.
 */
import { canonicalAttack } from '../algorithms/index.ts'
import { createRng, hashSeed } from '../random/index.ts'
import { InvalidExperimentConfigError } from './errors.ts'

export interface ByzantineFields {
  peers: number
  seed: number
  algo: string
  attack?: string
  /** a count (chosen from the seed) or the slots themselves */
  attackers?: number | readonly number[]
}

/** `count` distinct slots of [0, peers), sorted, from the run's seed (a partial Fisher–Yates shuffle). */
export function chooseAttackers (peers: number, count: number, seed: number): number[] {
  const rng = createRng(hashSeed(seed, 'attackers'))
  const slots = Array.from({ length: peers }, (_, i) => i)
  for (let k = 0; k < count; k++) {
    const j = k + rng.int(peers - k)
    const t = slots[k]; slots[k] = slots[j]; slots[j] = t
  }
  return slots.slice(0, count).sort((a, b) => a - b)
}

/** The canonical attack and the attacker slots (undefined when absent); InvalidExperimentConfigError on anything else. */
export function resolveByzantine (c: ByzantineFields): { attack?: string, attackers?: number[] } {
  const out: { attack?: string, attackers?: number[] } = {}
  if (c.attack !== undefined) {
    if (c.algo === 'choco') throw new InvalidExperimentConfigError('attack', `attack: expected algo gossip or dpsgd (attacks craft the models they send), got algo ${c.algo}`)
    try {
      out.attack = canonicalAttack(c.attack)
    } catch (err) {
      throw new InvalidExperimentConfigError('attack', (err as Error).message)
    }
  }
  const a = c.attackers
  if (a === undefined) return out
  if (out.attack === undefined) throw new InvalidExperimentConfigError('attackers', 'attackers: given without an attack; add attack (e.g. --attack alie) or drop attackers')
  const most = c.peers - 1
  if (typeof a === 'number') {
    if (!Number.isInteger(a) || a < 1 || a > most) throw new InvalidExperimentConfigError('attackers', `attackers: expected a count in [1, ${most}] (at least one peer stays honest), got ${a}`)
    out.attackers = chooseAttackers(c.peers, a, c.seed)
    return out
  }
  if (!Array.isArray(a) || a.length < 1 || a.length > most) throw new InvalidExperimentConfigError('attackers', `attackers: expected a count or a list of 1 to ${most} slots, got ${JSON.stringify(a)}`)
  const seen = new Set<number>()
  for (const s of a) {
    if (!Number.isInteger(s) || s < 0 || s >= c.peers || seen.has(s)) throw new InvalidExperimentConfigError('attackers', `attackers: expected distinct slots in [0, ${c.peers - 1}], got ${JSON.stringify(a)}`)
    seen.add(s)
  }
  out.attackers = [...seen].sort((x, y) => x - y)
  return out
}
