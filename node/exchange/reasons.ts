/**
 * Every reason an inbound message or stream is rejected, in one list: the keys of `stats().rejected` (one
 * counter each) and the `reason` given to `onRejected`. docs/PROTOCOL.md § Validation describes each.
 */

import type { RejectReason } from './types.ts'

export const REJECT_REASONS: readonly RejectReason[] = [
  // wire faults (lib/protocol)
  'length', 'magic', 'version', 'type', 'run', 'field', 'tooLarge', 'order', 'inconsistent', 'checksum', 'truncated', 'body',
  // limits and the round window (node/exchange)
  'frameTooLarge', 'rateLimited', 'unencrypted', 'notNeighbour', 'tooEarly', 'duplicate', 'replay', 'earlyFull',
  // the algorithm frame (lib/algorithms FrameChecker, with init.frames)
  'payload', 'payloadVersion', 'roundMismatch', 'dimension', 'kind', 'codec', 'nonFinite'
]

/**
 * Reasons that also arise between conforming peers, so a penalty should weigh them lightly: views of the
 * membership that differ for a round (notNeighbour, tooEarly), a full buffer under load (earlyFull), a send
 * cancelled when its round ended (truncated), a retry of a send whose bytes had arrived (duplicate), and a
 * payload overwritten by the sender's next round before encryption on a link a round behind (checksum).
 * Every other reason needs a peer that does not follow the protocol.
 */
export const BENIGN_REASONS: ReadonlySet<RejectReason> = new Set<RejectReason>([
  'notNeighbour', 'tooEarly', 'earlyFull', 'truncated', 'duplicate', 'checksum'
])
