/** Announcements and summaries of a made-up run of n peers on a ring, for the pure WatchModel tests. */
import { EXPERIMENT_DEFAULTS, agreedConfig, configHash } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import type { Announcement } from '../../../node/membership/index.ts'
import { SKETCH_SIZE } from '../../../node/telemetry/index.ts'
import { WatchModel } from '../../../node/watch/index.ts'
import type { RoundSummary } from '../../../node/telemetry/index.ts'

export const config: RunConfig = { ...EXPERIMENT_DEFAULTS, runId: 'watch-test', roundDeadlineMs: 1000, peers: 4, topology: 'ring', rounds: 100 }
export const ids = ['12D3KooWAaaa000000000000000000000000000000000000000000', '12D3KooWBbbb111111111111111111111111111111111111111111',
  '12D3KooWCccc222222222222222222222222222222222222222222', '12D3KooWDddd333333333333333333333333333333333333333333']

export function announcement (slot: number, seq: number, over: Partial<Announcement> = {}): Announcement {
  return {
    v: 1, id: ids[slot], addrs: [`/ip4/127.0.0.1/tcp/${4000 + slot}/p2p/${ids[slot]}`], slot, round: 0, state: 'active',
    configHash: configHash(config), config: agreedConfig(config), seq, effectiveRound: 0, ...over
  }
}

/** peer `slot`'s summary of `round`; its sketch is a constant vector `slot + 1` when `sketch` is true */
export function summary (slot: number, round: number, over: Partial<RoundSummary> = {}, sketch = true): RoundSummary {
  const neighbours = [(slot + 1) % 4, (slot + 3) % 4]
  return {
    v: 1, id: ids[slot], slot, round, members: 4, degree: 2, trainLoss: 1 / round + slot * 0.01, accuracy: 0.5 + slot / 10, accuracyRound: round,
    lambda2: 1 / 3, bytesSent: 1000 * round, bytesThisRound: 1000, received: 2, missing: 0, rejected: 0,
    computeMs: 10, commMs: 20, waitMs: 0, roundMs: 31, time: 1_000_000 + 100 * round,
    links: neighbours.map((j) => ({ id: ids[j], in: 500 * round, out: 500 * round + slot })),
    sketch: sketch ? { seed: 77 + round, values: new Float32Array(SKETCH_SIZE).fill(slot + 1) } : null,
    ...over
  }
}

/** four members of round 0 at `t0`, announced again 500 ms later; rounds 1..rounds summarised by every peer (the last at t0 + 500 + rounds) */
export function runningModel (rounds: number, t0: number): WatchModel {
  const m = new WatchModel({ runId: config.runId })
  for (let slot = 0; slot < 4; slot++) m.announce(announcement(slot, 1, { state: 'joining', effectiveRound: undefined }), t0)
  for (let slot = 0; slot < 4; slot++) m.announce(announcement(slot, 2, { round: rounds }), t0 + 500)
  for (let r = 1; r <= rounds; r++) for (let slot = 0; slot < 4; slot++) m.summary(summary(slot, r), t0 + 500 + r)
  return m
}
