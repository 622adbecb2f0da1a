/**
 * Membership of one run over its gossipsub topic: announces this peer on a heartbeat, tracks who else is
 * there (refusing peers whose agreed config differs), and answers "who are the members of round r" with the
 * rules of docs/PROTOCOL.md so that peers agree on each round's topology without a coordinator.
 */
import { TypedEventEmitter } from '@libp2p/interface'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { agreedConfig, configDiff, configHash, formatConfigDiff } from '../../lib/experiment/index.ts'
import type { AgreedConfig, RunConfig } from '../../lib/experiment/index.ts'
import type { TopologySpec } from '../../topologies/index.ts'
import { penalizePeer, ValidationResult } from '../p2p/index.ts'
import type { PubSub, PubSubMessage } from '../p2p/index.ts'
import {
  DEAD_CONNECTION_TIMEOUTS, FORGET_AFTER_TIMEOUTS, REFUSED_DIALS_TO_FORGET, HEARTBEAT_MS, JOIN_LEAD, MAX_ADDRS, MAX_ADDR_CHARS, MAX_RUN_ID_CHARS, MAX_TRACKED_PEERS,
  MEMBER_DIAL_TIMEOUT_MS, MEMBERSHIP_VERSION, TIMEOUT_HEARTBEATS
} from './constants.ts'
import { InvalidMembershipInitError, MembershipStateError, NotAMemberError } from './errors.ts'
import { decodeAnnouncement, encodeAnnouncement, membershipTopic } from './message.ts'
import type { Announcement, AnnouncementFault } from './message.ts'
import { applyAnnouncement, isLive, joinRound, memberAtRound, membersAtRound, reach, slotConflicts } from './rules.ts'
import type { MemberRecord, Reach, SlotConflict } from './rules.ts'
import { StallFreeClock } from './clock.ts'
import { memberTopology } from './topology.ts'
import type { MemberTopology, TopologyOptions } from './topology.ts'

/** The parts of a libp2p node membership uses (a PeerNode from node/p2p has them all). */
export type MembershipNode = Pick<Libp2p<{ pubsub: PubSub }>, 'peerId' | 'services' | 'getMultiaddrs' | 'peerStore' | 'dial' | 'getConnections' | 'logger'>

export interface MembershipComponents {
  node: MembershipNode
}

export interface MembershipInit {
  /** names the run and its topic; must equal config.runId */
  runId: string
  config: RunConfig
  /** this peer's `--shard` slot */
  slot: number
  /** announcement interval (ms); default 1,000 */
  heartbeatMs?: number
  /** a peer silent for longer is gone (ms); default 3 × heartbeatMs + config.roundDeadlineMs */
  timeoutMs?: number
  /** rounds between the highest active round and a joiner's first round; default 2 */
  joinLead?: number
  /** dial members that are not connected yet, so the run does not hang on its bootstrap peer; default true */
  connectToMembers?: boolean
  /** wall clock (ms); default Date.now. Liveness uses it less the time this process was stopped (clock.ts) */
  now?: () => number
  log?: Logger
}

/** One peer as this peer sees it: its latest announcement (without the sequence number) and whether it is live. */
export interface MemberView extends Omit<MemberRecord, 'seq'> {
  /** heard within the timeout */
  live: boolean
  self: boolean
}

/** A peer whose agreed config differs from ours: never a member. The relation is symmetric (it refuses us too). */
export interface Refusal {
  id: string
  addrs: string[]
  configHash: string
  diff: ReturnType<typeof configDiff>
  /** formatConfigDiff(diff), or a note when only the hash differs (a different version of the agreed fields) */
  reason: string
  lastSeen: number
}

export interface MembershipStats {
  /** announcements that reached the validator */
  received: number
  accepted: number
  /**
   * by fault: the decoder's, plus 'unsigned' and 'signer' (id is not the signer). Each one also lowers the
   * gossipsub score of the peer that sent it (node/p2p penalizePeer, reason 'membership:<fault>').
   */
  rejected: Partial<Record<AnnouncementFault | 'unsigned' | 'signer', number>>
  /** seq not above the last seen from that peer; 'capacity': too many peers tracked; 'self': our own id */
  ignored: { stale: number, capacity: number, self: number }
  published: number
  publishErrors: number
  dials: number
  dialErrors: number
  /** lost members forgotten early because their hosts refused REFUSED_DIALS_TO_FORGET redials in a row */
  forgottenRefused: number
}

export interface MembershipEvents {
  /** a peer with our config became (or, after a timeout, again became) a member from `effectiveRound` on */
  joined: CustomEvent<{ id: string, slot: number, effectiveRound: number }>
  /** a member announced a graceful leave: no longer a member from `effectiveRound` on */
  left: CustomEvent<{ id: string, effectiveRound: number }>
  /** a member was not heard within the timeout */
  'timed-out': CustomEvent<{ id: string, lastSeen: number }>
  /** a peer's agreed config differs from ours (emitted when first heard and when its hash changes) */
  refused: CustomEvent<Refusal>
  /** two or more live peers (this one included) claim the same slot */
  'slot-conflict': CustomEvent<SlotConflict>
  /** an announcement failed validation */
  rejected: CustomEvent<{ from: string, fault: string, detail: string }>
  /** this process did not run for `ms` (SIGSTOP, suspend, starved of CPU): members' silence over it was not counted */
  stalled: CustomEvent<{ ms: number }>
  /**
   * two processes announce with one PeerId (a copied identity.key): this peer's own (another process claims another
   * slot, or addresses none of which are ours), or another peer's (its announcements alternate between two claims of
   * slot and addresses, which one process never does). Once for each PeerId and claim
   */
  'identity-conflict': CustomEvent<IdentityConflict>
}

/** What the processes sharing PeerId `id` claim: slot and announced addresses of each (ours first when `id` is ours). */
export interface IdentityConflict { id: string, self: boolean, claims: Array<{ slot: number, addrs: string[] }> }

/** how many earlier claims (slot and addresses) of a peer are kept to tell two processes under its PeerId apart */
const EARLIER_CLAIMS = 4
/** identity conflicts said at most (each once): a bound on what a flood of alternating claims can cost */
const MAX_IDENTITY_CONFLICTS = 64
const claimKey = (a: { slot: number, addrs: readonly string[] }): string => `${a.slot} ${[...a.addrs].sort().join(',')}`

export interface Membership extends TypedEventEmitter<MembershipEvents> {
  readonly selfId: string
  readonly topic: string
  readonly configHash: string
  readonly heartbeatMs: number
  readonly timeoutMs: number
  /** subscribes, installs the topic validator, starts the heartbeat (announcing `joining` without a round) */
  start: () => Promise<void>
  /** stops the heartbeat and leaves the topic (call leave() first for a graceful exit) */
  stop: () => Promise<void>
  /**
   * Fixes the first round at which this peer is a member and announces it at once. Default: R + joinLead, R the
   * highest round of a live active member, or 0 when none is active (a new run: everyone starts at 0).
   * Call once, after hearing the others for a heartbeat or two. Returns the round.
   */
  join: (effectiveRound?: number) => Promise<number>
  /** updates the announced round and state (published on the next heartbeat); 'active' needs join() first */
  heartbeat: (round: number, state?: 'joining' | 'active') => void
  /** announces at once that this peer's last round is `lastRound` (no longer a member from lastRound + 1) */
  leave: (lastRound: number) => Promise<void>
  /** sorted ids of the members of `round`: this peer from its join round until its leave, and every live peer likewise */
  membersAt: (round: number) => string[]
  /** the topology of `round` over membersAt(round); spec, seed and rows default to the config's. NotAMemberError if this peer is not a member */
  topologyAt: (round: number, spec?: string | TopologySpec, seed?: number, opts?: TopologyOptions) => MemberTopology
  /** every peer known with our config (this one first), live or not */
  view: () => MemberView[]
  /** peers heard whose config differs */
  refusals: () => Refusal[]
  /** live peers (this one included) sharing a slot */
  slotConflicts: () => SlotConflict[]
  /** highest round announced by this peer or a live member */
  maxRoundSeen: () => number
  /** members this peer hears now (itself included) and members that went silent without leaving (rules.ts reach, cutOff) */
  reach: () => Reach
  stats: () => MembershipStats
}

export function createMembership (components: MembershipComponents, init: MembershipInit): Membership {
  return new MembershipImpl(components, init)
}

class MembershipImpl extends TypedEventEmitter<MembershipEvents> implements Membership {
  readonly selfId: string
  readonly topic: string
  readonly configHash: string
  readonly heartbeatMs: number
  readonly timeoutMs: number
  private readonly node: MembershipNode
  private readonly pubsub: PubSub
  private readonly config: RunConfig
  private readonly agreed: AgreedConfig
  private readonly joinLead: number
  private readonly connectToMembers: boolean
  /** wall clock (ms): announcement sequence numbers */
  private readonly wall: () => number
  /** liveness clock: the wall clock less the time this process was stopped (clock.ts) */
  private readonly clock: StallFreeClock
  private readonly log: Logger
  private readonly self: MemberRecord
  private readonly members = new Map<string, MemberRecord>()
  private readonly refused = new Map<string, Refusal>()
  private readonly lastSeq = new Map<string, number>()
  private readonly validated = new WeakMap<PubSubMessage, Announcement>()
  private readonly timedOut = new Set<string>()
  private readonly conflictKeys = new Set<string>()
  private readonly identityConflicts = new Set<string>()
  /** each peer's latest claim (claimKey) and the distinct ones before it, in the order its announcements came */
  private readonly claims = new Map<string, { last: string, lastClaim: { slot: number, addrs: string[] }, earlier: Map<string, { slot: number, addrs: string[] }> }>()
  /** wall clock at start(): announcements of this PeerId stamped (seq) before it are an earlier life's */
  private startedWall = Infinity
  private readonly dialing = new Set<string>()
  /** clock reading of the latest redial of each member that went silent */
  private readonly redialed = new Map<string, number>()
  /** redials of each lost member that its host refused, in a row */
  private readonly refusedDials = new Map<string, number>()
  private readonly counters: MembershipStats = {
    received: 0, accepted: 0, rejected: {}, ignored: { stale: 0, capacity: 0, self: 0 }, published: 0, publishErrors: 0, dials: 0, dialErrors: 0, forgottenRefused: 0
  }

  private timer: ReturnType<typeof setInterval> | undefined
  private running = false

  constructor (components: MembershipComponents, init: MembershipInit) {
    super()
    checkInit(init)
    this.node = components.node
    this.pubsub = components.node.services.pubsub
    this.selfId = components.node.peerId.toString()
    this.config = init.config
    this.agreed = agreedConfig(init.config)
    this.configHash = configHash(init.config)
    this.topic = membershipTopic(init.runId)
    this.heartbeatMs = init.heartbeatMs ?? HEARTBEAT_MS
    this.timeoutMs = init.timeoutMs ?? TIMEOUT_HEARTBEATS * this.heartbeatMs + init.config.roundDeadlineMs
    if (!(this.timeoutMs > this.heartbeatMs)) {
      throw new InvalidMembershipInitError('timeoutMs', `timeoutMs must exceed heartbeatMs (${this.heartbeatMs}), got ${this.timeoutMs}`)
    }
    this.joinLead = init.joinLead ?? JOIN_LEAD
    this.connectToMembers = init.connectToMembers ?? true
    this.wall = init.now ?? Date.now
    // a stop long enough to have timed members out is worth telling the user about; shorter ones happen under load
    this.clock = new StallFreeClock(this.wall, this.heartbeatMs, (ms) => {
      if (ms >= this.timeoutMs / 2) this.safeDispatchEvent('stalled', { detail: { ms } })
    })
    this.log = init.log ?? components.node.logger.forComponent('murmur:node:membership')
    this.self = { id: this.selfId, addrs: [], slot: init.slot, round: 0, state: 'joining', seq: 0, lastSeen: 0 }
    this.onMessage = this.onMessage.bind(this)
    this.validate = this.validate.bind(this)
  }

  async start (): Promise<void> {
    if (this.running) return
    this.running = true
    this.startedWall = this.wall()
    this.pubsub.topicValidators.set(this.topic, this.validate)
    this.pubsub.addEventListener('message', this.onMessage)
    this.pubsub.subscribe(this.topic)
    this.timer = setInterval(() => { this.tick() }, this.heartbeatMs)
    this.timer.unref()
    this.clock.start()
    await this.publish()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    clearInterval(this.timer)
    this.clock.stop()
    this.pubsub.removeEventListener('message', this.onMessage)
    if (this.pubsub.topicValidators.get(this.topic) === this.validate) this.pubsub.topicValidators.delete(this.topic)
    this.pubsub.unsubscribe(this.topic)
  }

  async join (effectiveRound?: number): Promise<number> {
    this.requireRunning('join')
    if (this.self.since !== undefined) throw new MembershipStateError(`join: this peer already joined at round ${this.self.since}`)
    const round = effectiveRound ?? joinRound(this.members.values(), this.clock.now(), this.timeoutMs, this.joinLead)
    if (!isRound(round)) throw new MembershipStateError(`join: expected a non-negative integer round, got ${round}`)
    this.self.since = round
    await this.publish()
    return round
  }

  heartbeat (round: number, state?: 'joining' | 'active'): void {
    if (!isRound(round)) throw new MembershipStateError(`heartbeat: expected a non-negative integer round, got ${round}`)
    if (this.self.state === 'leaving') throw new MembershipStateError('heartbeat: this peer has left; a left peer announces no new state')
    if (state === 'active' && this.self.since === undefined) throw new MembershipStateError('heartbeat: a peer is active only after join()')
    this.self.round = round
    if (state !== undefined) this.self.state = state
  }

  async leave (lastRound: number): Promise<void> {
    this.requireRunning('leave')
    if (!isRound(lastRound)) throw new MembershipStateError(`leave: expected a non-negative integer round, got ${lastRound}`)
    this.self.state = 'leaving'
    this.self.until = lastRound + 1
    if (this.self.since === undefined) this.self.since = this.self.until
    await this.publish()
  }

  membersAt (round: number): string[] {
    const now = this.clock.now()
    const ids = membersAtRound(this.members.values(), round, now, this.timeoutMs)
    if (memberAtRound(this.self, round)) {
      ids.push(this.selfId)
      ids.sort()
    }
    return ids
  }

  topologyAt (round: number, spec: string | TopologySpec = this.config.topology, seed: number = this.config.seed, opts: TopologyOptions = {}): MemberTopology {
    const ids = this.membersAt(round)
    if (!ids.includes(this.selfId)) {
      const when = this.self.since === undefined ? 'it has not joined' : `it is a member of rounds ${this.self.since} to ${this.self.until === undefined ? '∞' : this.self.until - 1}`
      throw new NotAMemberError(round, `this peer is not a member of round ${round}: ${when}`)
    }
    const slots = ids.map((id) => ({ id, slot: id === this.selfId ? this.self.slot : (this.members.get(id) as MemberRecord).slot }))
    return memberTopology(round, slots, spec, seed, this.selfId, { rows: opts.rows ?? this.config.rows, order: opts.order })
  }

  view (): MemberView[] {
    const now = this.clock.now()
    const out: MemberView[] = [toView({ ...this.self, addrs: this.addrs(), lastSeen: now }, true, true)]
    for (const r of this.members.values()) out.push(toView(r, isLive(r, now, this.timeoutMs), false))
    return out
  }

  refusals (): Refusal[] {
    return [...this.refused.values()].map((r) => ({ ...r, diff: [...r.diff] }))
  }

  slotConflicts (): SlotConflict[] {
    return slotConflicts(this.slotClaims())
  }

  maxRoundSeen (): number {
    const now = this.clock.now()
    let max = this.self.round
    for (const r of this.members.values()) if (isLive(r, now, this.timeoutMs) && r.round > max) max = r.round
    return max
  }

  reach (): Reach {
    return reach(this.members.values(), this.clock.now(), this.timeoutMs)
  }

  stats (): MembershipStats {
    const c = this.counters
    return { ...c, rejected: { ...c.rejected }, ignored: { ...c.ignored } }
  }

  /**
   * gossipsub topic validator: runs before a message is delivered or forwarded. `source` is the peer that sent
   * it to us (its author or a forwarder, which validated it before forwarding: either way the one to penalise).
   */
  private validate (source: PeerId, msg: PubSubMessage): ValidationResult {
    this.counters.received++
    if (msg.type !== 'signed') return this.reject(source, msg, 'unsigned', 'expected a signed message (StrictSign)')
    const decoded = decodeAnnouncement(msg.data)
    if (!decoded.ok) return this.reject(source, msg, decoded.fault, decoded.detail)
    const a = decoded.value
    const signer = msg.from.toString()
    if (a.id !== signer) return this.reject(source, msg, 'signer', `announcement names ${a.id} but is signed by ${signer}`)
    if (a.id === this.selfId) {
      this.counters.ignored.self++
      this.checkIdentity(a)
      return ValidationResult.Ignore
    }
    const last = this.lastSeq.get(a.id)
    if (last !== undefined && a.seq <= last) { this.counters.ignored.stale++; return ValidationResult.Ignore }
    if (last === undefined && this.lastSeq.size >= MAX_TRACKED_PEERS) { this.counters.ignored.capacity++; return ValidationResult.Ignore }
    this.lastSeq.set(a.id, a.seq)
    this.checkClaims(a)
    this.validated.set(msg, a)
    this.counters.accepted++
    return ValidationResult.Accept
  }

  private reject (source: PeerId, msg: PubSubMessage, fault: AnnouncementFault | 'unsigned' | 'signer', detail: string): ValidationResult {
    const from = msg.type === 'signed' ? msg.from.toString() : 'unsigned'
    this.counters.rejected[fault] = (this.counters.rejected[fault] ?? 0) + 1
    // Reject alone costs the sender nothing here: gossipsub's P4 counts only on topics with score parameters
    const score = penalizePeer(this.node, source, `membership:${fault}`)
    this.log('rejected an announcement from %s via %p: %s (%s); its score is now %d', from, source, fault, detail, score)
    this.safeDispatchEvent('rejected', { detail: { from, fault, detail } })
    return ValidationResult.Reject
  }

  private onMessage (evt: CustomEvent<PubSubMessage>): void {
    const msg = evt.detail
    if (msg.topic !== this.topic) return
    const a = this.validated.get(msg)
    if (a === undefined) return
    this.validated.delete(msg)
    const now = this.clock.now()
    if (a.configHash !== this.configHash) { this.refuse(a, now); return }
    if (this.refused.delete(a.id)) this.log('peer %s now has our config', a.id)

    const prev = this.members.get(a.id)
    const rec = applyAnnouncement(prev, a, now)
    this.members.set(a.id, rec)
    if (prev?.addrs.join() !== rec.addrs.join()) this.rememberAddrs(rec)
    const wasTimedOut = this.timedOut.delete(a.id)
    if (rec.since !== undefined && rec.until === undefined && (prev?.since !== rec.since || prev?.until !== undefined || wasTimedOut)) {
      this.log('member %s (slot %d) from round %d', a.id, rec.slot, rec.since)
      this.safeDispatchEvent('joined', { detail: { id: a.id, slot: rec.slot, effectiveRound: rec.since } })
    }
    if (rec.until !== undefined && prev?.until !== rec.until) {
      this.log('member %s leaves: last round %d', a.id, rec.until - 1)
      this.safeDispatchEvent('left', { detail: { id: a.id, effectiveRound: rec.until } })
    }
    this.checkSlots()
  }

  private refuse (a: Announcement, now: number): void {
    const prev = this.refused.get(a.id)
    this.members.delete(a.id)
    this.timedOut.delete(a.id)
    if (prev !== undefined && prev.configHash === a.configHash) {
      prev.lastSeen = now
      prev.addrs = a.addrs
      return
    }
    const diff = configDiff(this.agreed, a.config)
    const reason = diff.length > 0
      ? formatConfigDiff(diff)
      : `config hash ${a.configHash.slice(0, 12)}… differs from ours ${this.configHash.slice(0, 12)}… although every agreed field is equal (a different version of murmur?)`
    const refusal: Refusal = { id: a.id, addrs: a.addrs, configHash: a.configHash, diff, reason, lastSeen: now }
    this.refused.set(a.id, refusal)
    this.log.error('refused peer %s: its run config differs: %s', a.id, reason)
    this.safeDispatchEvent('refused', { detail: refusal })
  }

  /** heartbeat: announce, notice timeouts, forget the long gone, connect to members */
  private tick (): void {
    if (!this.running) return
    void this.publish()
    const now = this.clock.now()
    for (const r of this.members.values()) {
      if (!this.timedOut.has(r.id) && !isLive(r, now, this.timeoutMs)) {
        this.timedOut.add(r.id)
        this.log('member %s timed out (last heard %d ms ago)', r.id, now - r.lastSeen)
        this.safeDispatchEvent('timed-out', { detail: { id: r.id, lastSeen: r.lastSeen } })
      }
    }
    this.forget(now)
    this.checkSlots()
    if (this.connectToMembers) this.dialMembers(now)
  }

  private forget (now: number): void {
    const horizon = FORGET_AFTER_TIMEOUTS * this.timeoutMs
    for (const [id, r] of this.members) {
      if (now - r.lastSeen > horizon) this.forgetMember(id)
    }
    for (const [id, r] of this.refused) {
      if (now - r.lastSeen > horizon) { this.refused.delete(id); this.lastSeq.delete(id); this.claims.delete(id) }
    }
  }

  private forgetMember (id: string): void {
    this.members.delete(id)
    this.timedOut.delete(id)
    this.lastSeq.delete(id)
    this.claims.delete(id)
    this.redialed.delete(id)
    this.refusedDials.delete(id)
  }

  /** a redial of a lost member failed: refused by its host REFUSED_DIALS_TO_FORGET times in a row, it is gone */
  private redialFailed (id: string, err: Error): void {
    const r = this.members.get(id)
    if (r === undefined || isLive(r, this.clock.now(), this.timeoutMs)) return
    if (!refusedEverywhere(err)) { this.refusedDials.delete(id); return }
    const n = (this.refusedDials.get(id) ?? 0) + 1
    this.refusedDials.set(id, n)
    if (n < REFUSED_DIALS_TO_FORGET) return
    this.forgetMember(id)
    this.counters.forgottenRefused++
    this.log('forgot member %s: its host refused %d redials in a row (the process is gone)', id, n)
  }

  private checkSlots (): void {
    const current = new Set<string>()
    for (const c of slotConflicts(this.slotClaims())) {
      const key = `${c.slot}:${c.ids.join(',')}`
      current.add(key)
      if (this.conflictKeys.has(key)) continue
      this.log.error('slot %d is claimed by %d live peers: %s', c.slot, c.ids.length, c.ids.join(', '))
      this.safeDispatchEvent('slot-conflict', { detail: c })
    }
    this.conflictKeys.clear()
    for (const k of current) this.conflictKeys.add(k)
  }

  /** live peers that have not announced a leave, and this peer until it leaves */
  private slotClaims (): Array<{ id: string, slot: number }> {
    const now = this.clock.now()
    const claims = [...this.members.values()].filter((r) => r.until === undefined && isLive(r, now, this.timeoutMs))
    if (this.self.until === undefined) claims.push(this.self)
    return claims.map((r) => ({ id: r.id, slot: r.slot }))
  }

  private async publish (): Promise<void> {
    const s = this.self
    s.seq = Math.max(s.seq + 1, Math.floor(this.wall()))
    const a: Announcement = {
      v: MEMBERSHIP_VERSION, id: this.selfId, addrs: this.addrs(), slot: s.slot, round: s.round, state: s.state,
      configHash: this.configHash, config: this.agreed, seq: s.seq
    }
    const effective = s.state === 'leaving' ? s.until : s.since
    if (effective !== undefined) a.effectiveRound = effective
    try {
      await this.pubsub.publish(this.topic, encodeAnnouncement(a))
      this.counters.published++
    } catch (err) {
      this.counters.publishErrors++
      this.log.error('could not publish the membership announcement: %e', err)
    }
  }

  /**
   * An announcement of our own PeerId reaching the validator is not an echo of ours (gossipsub's seen cache drops
   * those). It is an earlier life's (a restart: its seq, a wall-clock stamp, is older than this start), or another
   * process's with a copy of our key: said when it claims another slot or addresses none of which are ours.
   */
  private checkIdentity (a: Announcement): void {
    if (!(a.seq > this.startedWall)) return
    const ours = new Set(this.addrs())
    if (a.slot === this.self.slot && (a.addrs.length === 0 || a.addrs.some((x) => ours.has(x)))) return
    this.identityConflict(this.selfId, [{ slot: this.self.slot, addrs: this.addrs() }, { slot: a.slot, addrs: [...a.addrs] }])
  }

  /**
   * Another peer's announcements, in seq order: a process keeps its slot and addresses (a restart may change them,
   * once). A claim that comes back after another one came is two live processes under one PeerId.
   */
  private checkClaims (a: Announcement): void {
    const key = claimKey(a)
    const claim = { slot: a.slot, addrs: [...a.addrs] }
    const c = this.claims.get(a.id)
    if (c === undefined) { this.claims.set(a.id, { last: key, lastClaim: claim, earlier: new Map() }); return }
    if (c.last === key) return
    if (c.earlier.has(key)) this.identityConflict(a.id, [c.lastClaim, claim])
    c.earlier.set(c.last, c.lastClaim)
    if (c.earlier.size > EARLIER_CLAIMS) c.earlier.delete(c.earlier.keys().next().value as string)
    c.last = key
    c.lastClaim = claim
  }

  private identityConflict (id: string, claims: IdentityConflict['claims']): void {
    const key = `${id} ${claims.map(claimKey).sort().join(' ')}`
    if (this.identityConflicts.has(key) || this.identityConflicts.size >= MAX_IDENTITY_CONFLICTS) return
    this.identityConflicts.add(key)
    this.log.error('two processes announce with PeerId %s: %s', id, claims.map((c) => `slot ${c.slot} at ${c.addrs.join(', ')}`).join('; '))
    this.safeDispatchEvent('identity-conflict', { detail: { id, self: id === this.selfId, claims } })
  }

  private addrs (): string[] {
    return this.node.getMultiaddrs().map((ma) => ma.toString()).filter((s) => s.length <= MAX_ADDR_CHARS).slice(0, MAX_ADDRS)
  }

  /** Puts a member's announced addresses in the peer store (the exchange dials members by id); skips other peers' addresses. */
  private rememberAddrs (r: MemberRecord): void {
    const multiaddrs: Multiaddr[] = []
    for (const text of r.addrs) {
      try {
        const ma = multiaddr(text)
        const named = ma.getComponents().findLast((c) => c.code === CODE_P2P)?.value
        if (named !== undefined && named !== r.id) continue
        multiaddrs.push(named === undefined ? ma : ma.decapsulateCode(CODE_P2P))
      } catch {
        // an address form this version cannot parse: the peer may still be reachable through its others
      }
    }
    if (multiaddrs.length === 0) return
    this.node.peerStore.merge(peerIdFromString(r.id), { multiaddrs })
      .catch((err: Error) => { this.log.error('could not store the addresses of %s: %e', r.id, err) })
  }

  /**
   * Connects to every live member, and once a timeout to each member that went silent without leaving: a
   * pulled cable or a firewall leaves its TCP connections open and dead for minutes (retransmissions back off),
   * and no one else redials a peer nobody hears, so after a network cut heals the two sides would stay apart
   * until the forget horizon. A member's open connections are aborted once it has been silent for
   * DEAD_CONNECTION_TIMEOUTS timeouts: they are dead, or useless (not sooner: a peer stopped for a few seconds
   * comes back on them at once, without a new handshake).
   */
  private dialMembers (now: number): void {
    for (const r of this.members.values()) {
      if (this.dialing.has(r.id) || r.until !== undefined) continue
      const peer = peerIdFromString(r.id)
      const lost = !isLive(r, now, this.timeoutMs)
      if (lost) {
        if (r.since === undefined || now - (this.redialed.get(r.id) ?? r.lastSeen) < this.timeoutMs) continue
        this.redialed.set(r.id, now)
        const connections = this.node.getConnections(peer)
        if (now - r.lastSeen >= DEAD_CONNECTION_TIMEOUTS * this.timeoutMs) {
          for (const c of connections) c.abort(new Error(`member ${r.id} silent for ${now - r.lastSeen} ms`))
        } else if (connections.length > 0) {
          continue
        }
      } else {
        this.redialed.delete(r.id)
        this.refusedDials.delete(r.id)
        if (this.node.getConnections(peer).length > 0) continue
      }
      this.dialing.add(r.id)
      this.counters.dials++
      this.node.dial(peer, { signal: AbortSignal.timeout(Math.min(MEMBER_DIAL_TIMEOUT_MS, this.timeoutMs)) })
        .catch((err: Error) => {
          this.counters.dialErrors++
          this.log('could not dial member %s: %e', r.id, err)
          if (lost && this.running) this.redialFailed(r.id, err)
        })
        .finally(() => { this.dialing.delete(r.id) })
    }
  }

  private requireRunning (what: string): void {
    if (!this.running) throw new MembershipStateError(`${what}: membership is not started (call start() first)`)
  }
}

function toView (r: MemberRecord, live: boolean, self: boolean): MemberView {
  const v: MemberView = { id: r.id, addrs: [...r.addrs], slot: r.slot, round: r.round, state: r.state, lastSeen: r.lastSeen, live, self }
  if (r.since !== undefined) v.since = r.since
  if (r.until !== undefined) v.until = r.until
  return v
}

/** A dial error in which every address tried was refused (ECONNREFUSED): the host answered, no one listens. */
export function refusedEverywhere (err: unknown): boolean {
  if (err instanceof AggregateError) return err.errors.length > 0 && err.errors.every(refusedEverywhere)
  return (err as { code?: unknown } | null)?.code === 'ECONNREFUSED'
}

function isRound (x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0
}

function checkInit (init: MembershipInit): void {
  if (typeof init.runId !== 'string' || init.runId.length === 0 || init.runId.length > MAX_RUN_ID_CHARS) {
    throw new InvalidMembershipInitError('runId', `runId must be a string of 1 to ${MAX_RUN_ID_CHARS} characters, got ${JSON.stringify(init.runId)}`)
  }
  if (init.config.runId !== init.runId) {
    throw new InvalidMembershipInitError('runId', `runId '${init.runId}' differs from the config's runId ${JSON.stringify(init.config.runId)}`)
  }
  if (!isRound(init.slot)) throw new InvalidMembershipInitError('slot', `slot must be a non-negative integer, got ${init.slot}`)
  if (init.heartbeatMs !== undefined && !(Number.isFinite(init.heartbeatMs) && init.heartbeatMs > 0)) {
    throw new InvalidMembershipInitError('heartbeatMs', `heartbeatMs must be a positive number of ms, got ${init.heartbeatMs}`)
  }
  if (init.timeoutMs !== undefined && !Number.isFinite(init.timeoutMs)) {
    throw new InvalidMembershipInitError('timeoutMs', `timeoutMs must be a finite number of ms, got ${init.timeoutMs}`)
  }
  if (init.joinLead !== undefined && !(Number.isSafeInteger(init.joinLead) && init.joinLead >= 1)) {
    throw new InvalidMembershipInitError('joinLead', `joinLead must be an integer ≥ 1, got ${init.joinLead}`)
  }
  if (!(Number.isFinite(init.config.roundDeadlineMs) && init.config.roundDeadlineMs >= 0)) {
    throw new InvalidMembershipInitError('config.roundDeadlineMs', `config.roundDeadlineMs must be a non-negative number of ms, got ${init.config.roundDeadlineMs}`)
  }
}
