/**
 * node/membership: who the members of each round are, agreed without a coordinator over a gossipsub topic
 * per run (docs/PROTOCOL.md). This file is the module's whole public surface.
 */
export { createMembership } from './membership.ts'
export type {
  IdentityConflict, Membership, MembershipComponents, MembershipEvents, MembershipInit, MembershipNode, MembershipStats, MemberView, Refusal
} from './membership.ts'
export { MEMBER_STATES, decodeAnnouncement, encodeAnnouncement, membershipTopic } from './message.ts'
export type { Announcement, AnnouncementFault, DecodeResult, MemberState } from './message.ts'
export { applyAnnouncement, cutOff, isLive, joinRound, memberAtRound, membersAtRound, reach, slotConflicts } from './rules.ts'
export type { MemberRecord, Reach, SlotConflict } from './rules.ts'
export { STALL_PERIODS, StallFreeClock } from './clock.ts'
export { memberTopology } from './topology.ts'
export type { MemberOrder, MemberTopology, TopologyOptions } from './topology.ts'
export { AnnouncementTooLargeError, InvalidMembershipInitError, MembershipStateError, NotAMemberError } from './errors.ts'
export {
  FORGET_AFTER_TIMEOUTS, HEARTBEAT_MS, JOIN_LEAD, MAX_ADDRS, MAX_ANNOUNCEMENT_BYTES, MAX_TRACKED_PEERS, MEMBERSHIP_VERSION, REFUSED_DIALS_TO_FORGET,
  TIMEOUT_HEARTBEATS
} from './constants.ts'
