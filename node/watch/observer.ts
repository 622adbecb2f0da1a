/**
 * The network side of `murmur watch`: a libp2p node that subscribes to a run's membership topic (to learn its
 * members, their config and their addresses) and to its telemetry topic (the peers' round summaries), and dials
 * every member it hears so that each peer's flood-published summaries reach it directly.
 *
 * It never publishes anything: with no announcement of its own it is in no peer's membership view, so in no
 * round's topology, so no one's neighbour, and the exchange refuses gossip from non-neighbours anyway. It
 * validates what it receives like a peer does (decoder faults and a signer that is not the author are rejected
 * and counted) and forwards only what is valid.
 */
import type { Connection, Logger, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { decodeAnnouncement, membershipTopic } from '../membership/index.ts'
import type { Announcement } from '../membership/index.ts'
import { DROPPED_WITHIN_MS, ValidationResult } from '../p2p/index.ts'
import type { PeerNode, PubSubMessage } from '../p2p/index.ts'
import { decodeSummary, telemetryTopic } from '../telemetry/index.ts'
import type { RoundSummary } from '../telemetry/index.ts'
import { OBSERVER_STALL_MS, REFRESH_MS } from './constants.ts'
import { InvalidWatchInitError } from './errors.ts'
import { WatchModel } from './model.ts'

export interface ObserverComponents {
  node: Pick<PeerNode, 'peerId' | 'services' | 'dial' | 'getConnections' | 'logger' | 'addEventListener' | 'removeEventListener'>
}

export interface ObserverInit {
  runId: string
  /** the state it feeds; default a new WatchModel of the run */
  model?: WatchModel
  /** how often to dial members not yet connected and let time pass in the model (ms); default 1,000 */
  tickMs?: number
  /** clock (ms); default Date.now */
  now?: () => number
}

export interface Observer {
  readonly model: WatchModel
  readonly peerId: string
  /** connections closed within DROPPED_WITHIN_MS of opening while started: what a peer's allowlist does to an unlisted observer */
  readonly dropped: number
  start: () => void
  stop: () => void
}

export function createObserver (components: ObserverComponents, init: ObserverInit): Observer {
  if (typeof init.runId !== 'string' || init.runId.length === 0) throw new InvalidWatchInitError('runId', `runId must be a non-empty string, got ${JSON.stringify(init.runId)}`)
  const tickMs = init.tickMs ?? REFRESH_MS
  if (!(Number.isFinite(tickMs) && tickMs > 0)) throw new InvalidWatchInitError('tickMs', `tickMs must be a positive number of ms, got ${tickMs}`)
  const { node } = components
  const pubsub = node.services.pubsub
  const now = init.now ?? Date.now
  const model = init.model ?? new WatchModel({ runId: init.runId })
  const log: Logger = node.logger.forComponent('murmur:node:watch')
  const members = membershipTopic(init.runId)
  const telemetry = telemetryTopic(init.runId)
  // a message's decoded form, from the validator to the delivery handler (gossipsub validates once, before delivery)
  const announcements = new WeakMap<PubSubMessage, Announcement>()
  const summaries = new WeakMap<PubSubMessage, RoundSummary>()
  const addrs = new Map<string, Multiaddr[]>()
  const dialing = new Set<string>()
  let timer: ReturnType<typeof setInterval> | undefined
  let dropped = 0

  const validateMember = (_from: PeerId, msg: PubSubMessage): ValidationResult => {
    if (msg.type !== 'signed') { model.reject('announcement', 'unsigned'); return ValidationResult.Reject }
    const d = decodeAnnouncement(msg.data)
    if (!d.ok) { model.reject('announcement', d.fault); return ValidationResult.Reject }
    if (d.value.id !== msg.from.toString()) { model.reject('announcement', 'signer'); return ValidationResult.Reject }
    announcements.set(msg, d.value)
    return ValidationResult.Accept
  }
  const validateSummary = (_from: PeerId, msg: PubSubMessage): ValidationResult => {
    if (msg.type !== 'signed') { model.reject('summary', 'unsigned'); return ValidationResult.Reject }
    const d = decodeSummary(msg.data)
    if (!d.ok) { model.reject('summary', d.fault); log('rejected a summary from %s: %s (%s)', msg.from.toString(), d.fault, d.detail); return ValidationResult.Reject }
    if (d.value.id !== msg.from.toString()) { model.reject('summary', 'signer'); return ValidationResult.Reject }
    summaries.set(msg, d.value)
    return ValidationResult.Accept
  }
  const onMessage = (evt: CustomEvent<PubSubMessage>): void => {
    const msg = evt.detail
    if (msg.topic === members) {
      const a = announcements.get(msg)
      if (a === undefined) return
      announcements.delete(msg)
      remember(a)
      model.announce(a, now())
    } else if (msg.topic === telemetry) {
      const s = summaries.get(msg)
      if (s === undefined) return
      summaries.delete(msg)
      model.summary(s, now())
    }
  }

  const onClose = (evt: CustomEvent<Connection>): void => {
    const c = evt.detail
    // libp2p stamps the timeline with the wall clock, not the model's clock
    if (Date.now() - c.timeline.open < DROPPED_WITHIN_MS) {
      dropped++
      log('connection to %p closed right after it opened (an allowlist that does not name this observer?)', c.remotePeer)
    }
  }

  /** the member's announced addresses that name it (or no one), for dialling it */
  const remember = (a: Announcement): void => {
    if (a.state === 'leaving') { addrs.delete(a.id); return }
    const list: Multiaddr[] = []
    for (const text of a.addrs) {
      try {
        const ma = multiaddr(text)
        const named = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
        if (named === undefined || named === a.id) list.push(named === undefined ? ma.encapsulate(`/p2p/${a.id}`) : ma)
      } catch {
        // an address form this version cannot parse: the member may still be reachable through its others
      }
    }
    addrs.set(a.id, list)
  }

  const dialMembers = (): void => {
    const self = node.peerId.toString()
    for (const [id, list] of addrs) {
      if (id === self || dialing.has(id) || list.length === 0) continue
      if (node.getConnections().some((c) => c.remotePeer.toString() === id)) continue
      dialing.add(id)
      node.dial(list, { signal: AbortSignal.timeout(5000) })
        .catch((err: Error) => { log('could not dial member %s: %e', id, err) })
        .finally(() => { dialing.delete(id) })
    }
  }

  return {
    model,
    peerId: node.peerId.toString(),
    get dropped () { return dropped },
    start () {
      if (timer !== undefined) return
      pubsub.topicValidators.set(members, validateMember)
      pubsub.topicValidators.set(telemetry, validateSummary)
      pubsub.addEventListener('message', onMessage)
      node.addEventListener('connection:close', onClose)
      pubsub.subscribe(members)
      pubsub.subscribe(telemetry)
      let last = now()
      timer = setInterval(() => {
        const t = now()
        // a tick far past its time: this process was stopped, not the peers silent
        if (t - last > tickMs + OBSERVER_STALL_MS) model.stalled(t - last - tickMs, t)
        last = t
        dialMembers()
        model.tick(t)
      }, tickMs)
      timer.unref()
    },
    stop () {
      if (timer === undefined) return
      clearInterval(timer)
      timer = undefined
      pubsub.removeEventListener('message', onMessage)
      node.removeEventListener('connection:close', onClose)
      pubsub.unsubscribe(members)
      pubsub.unsubscribe(telemetry)
      pubsub.topicValidators.delete(members)
      pubsub.topicValidators.delete(telemetry)
    }
  }
}
