/** createAlgorithm: a validated config and its deps in, a per-peer state machine out. */

import { resolveConfig, checkDeps } from './config.ts'
import type { AlgorithmConfig, AlgorithmDeps } from './config.ts'
import type { PeerAlgorithm } from './algorithm.ts'
import { MixingPeer } from './mixing.ts'
import { ChocoPeer } from './choco.ts'
import { LITTLE_ENDIAN } from './common.ts'
import { InvalidAlgorithmConfigError } from './errors.ts'
import { createAggregator } from './aggregate.ts'
import { AttackingPeer, VectorAttack, parseAttackRule } from './attack.ts'

/**
 * Builds one peer's algorithm. Throws InvalidAlgorithmConfigError (with `field`) for a config or deps
 * that cannot run.
 */
export function createAlgorithm (config: AlgorithmConfig, deps: AlgorithmDeps): PeerAlgorithm {
  if (!LITTLE_ENDIAN) throw new InvalidAlgorithmConfigError('platform', 'raw float32 frames need a little-endian host, got a big-endian one')
  const resolved = resolveConfig(config)
  const codec = checkDeps(resolved, deps)
  const now = deps.now ?? (() => performance.now())
  const aggregator = createAggregator(resolved.aggregate)
  if (resolved.algo === 'choco') {
    return new ChocoPeer({ config: resolved, x0: deps.x0, objective: deps.objective!, codec, rng: deps.rng, now, id: deps.id!, aggregator })
  }
  const peer = new MixingPeer({ config: resolved, x0: deps.x0, objective: deps.objective, codec, rng: deps.rng, now, aggregator, stepRunner: deps.stepRunner })
  if (resolved.attack === undefined) return peer
  // its own stream, so an attacker's honest state (minibatches, codec randomness) is what it would have been
  const attack = new VectorAttack(parseAttackRule(resolved.attack), peer.dim, deps.rng.fork('attack'))
  return new AttackingPeer(peer, attack, codec)
}
