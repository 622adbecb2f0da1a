/**
 * The membership announcement: versioned JSON of at most 8 KiB on the gossipsub topic `murmur/<runId>/members/1`,
 * signed by its author (gossipsub StrictSign). Pure encode/decode; the decoder never throws and names the
 * first field that is wrong, so the topic validator can count faults by kind. Spec: docs/PROTOCOL.md § Membership.
 */
import type { AgreedConfig } from '../../lib/experiment/index.ts'
import { isObject, readJsonObject } from '../../lib/protocol/index.ts'
import {
  MAX_ADDR_CHARS, MAX_ADDRS, MAX_ANNOUNCEMENT_BYTES, MAX_CONFIG_KEYS, MAX_CONFIG_STRING_CHARS, MAX_ID_CHARS, MEMBERSHIP_VERSION
} from './constants.ts'
import { AnnouncementTooLargeError } from './errors.ts'

export const MEMBER_STATES = ['joining', 'active', 'leaving'] as const
export type MemberState = typeof MEMBER_STATES[number]

export interface Announcement {
  v: typeof MEMBERSHIP_VERSION
  /** the author's PeerId string; must equal the gossipsub signer */
  id: string
  /** where the author can be dialled, each ending in /p2p/<id> */
  addrs: string[]
  /** the author's `--shard` slot (data shard and random streams) */
  slot: number
  /** the round the author is running (before training: the round it will start at) */
  round: number
  state: MemberState
  /** hex SHA-256 of the agreed fields (lib/experiment configHash) */
  configHash: string
  /** the agreed fields themselves, so a mismatch can be explained field by field */
  config: AgreedConfig
  /** strictly increasing per author, across restarts (milliseconds since the epoch, or last + 1) */
  seq: number
  /**
   * joining/active: the first round at which the author is a member (absent while a joiner has not decided);
   * leaving: the first round at which it is no longer one (its last round + 1). Required for active and leaving.
   */
  effectiveRound?: number
}

/** What made an announcement invalid; one value per check so validators can count faults by kind. */
export type AnnouncementFault =
  | 'size' // empty or above 8 KiB
  | 'json' // not UTF-8 JSON
  | 'shape' // not a JSON object
  | 'version' // `v` is not 1
  | 'id' | 'addrs' | 'slot' | 'round' | 'state' | 'config-hash' | 'config' | 'seq' | 'effective-round'

export type DecodeResult =
  | { ok: true, value: Announcement }
  | { ok: false, fault: AnnouncementFault, detail: string }

/** The gossipsub topic of a run's membership. */
export function membershipTopic (runId: string): string {
  return `murmur/${runId}/members/${MEMBERSHIP_VERSION}`
}

const encoder = new TextEncoder()
const HEX64 = /^[0-9a-f]{64}$/

/** JSON bytes of an announcement; throws AnnouncementTooLargeError when it exceeds the format's bounds. */
export function encodeAnnouncement (a: Announcement): Uint8Array {
  const body: Announcement = {
    v: a.v, id: a.id, addrs: a.addrs, slot: a.slot, round: a.round, state: a.state,
    configHash: a.configHash, config: a.config, seq: a.seq
  }
  if (a.effectiveRound !== undefined) body.effectiveRound = a.effectiveRound
  const bytes = encoder.encode(JSON.stringify(body))
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES || a.addrs.length > MAX_ADDRS || a.addrs.some((s) => s.length > MAX_ADDR_CHARS)) {
    throw new AnnouncementTooLargeError(bytes.length, `an announcement holds at most ${MAX_ANNOUNCEMENT_BYTES} bytes and ${MAX_ADDRS} addresses of ${MAX_ADDR_CHARS} characters, this one has ${bytes.length} bytes and ${a.addrs.length} addresses`)
  }
  return bytes
}

/** Parses and checks an announcement; never throws. Unknown top-level and config keys are allowed (newer minor fields). */
export function decodeAnnouncement (bytes: Uint8Array): DecodeResult {
  const read = readJsonObject(bytes, MAX_ANNOUNCEMENT_BYTES)
  if (!read.ok) return fault(read.fault, read.detail)
  const o = read.object
  if (o.v !== MEMBERSHIP_VERSION) return fault('version', `expected v = ${MEMBERSHIP_VERSION}, got ${JSON.stringify(o.v)}`)
  if (typeof o.id !== 'string' || o.id.length === 0 || o.id.length > MAX_ID_CHARS) return fault('id', `expected a peer id string of 1 to ${MAX_ID_CHARS} characters`)
  if (!Array.isArray(o.addrs) || o.addrs.length > MAX_ADDRS || !o.addrs.every((s) => typeof s === 'string' && s.length > 0 && s.length <= MAX_ADDR_CHARS)) {
    return fault('addrs', `expected at most ${MAX_ADDRS} address strings of 1 to ${MAX_ADDR_CHARS} characters`)
  }
  if (!isCount(o.slot)) return fault('slot', `expected a non-negative integer slot, got ${JSON.stringify(o.slot)}`)
  if (!isRound(o.round)) return fault('round', `expected an integer round in [0, 2^32 − 1], got ${JSON.stringify(o.round)}`)
  if (typeof o.state !== 'string' || !(MEMBER_STATES as readonly string[]).includes(o.state)) {
    return fault('state', `expected one of ${MEMBER_STATES.join(', ')}, got ${JSON.stringify(o.state)}`)
  }
  const state = o.state as MemberState
  if (typeof o.configHash !== 'string' || !HEX64.test(o.configHash)) return fault('config-hash', 'expected 64 lower-case hex digits')
  const config = checkConfig(o.config)
  if (config === undefined) return fault('config', `expected an object of at most ${MAX_CONFIG_KEYS} string, number, boolean or null values`)
  if (!isCount(o.seq)) return fault('seq', `expected a non-negative integer seq, got ${JSON.stringify(o.seq)}`)
  if (o.effectiveRound !== undefined && !isRound(o.effectiveRound)) {
    return fault('effective-round', `expected an integer effectiveRound in [0, 2^32 − 1], got ${JSON.stringify(o.effectiveRound)}`)
  }
  if (o.effectiveRound === undefined && state !== 'joining') return fault('effective-round', `a peer that is ${state} must announce effectiveRound`)
  const value: Announcement = {
    v: MEMBERSHIP_VERSION, id: o.id, addrs: o.addrs as string[], slot: o.slot, round: o.round, state,
    configHash: o.configHash, config, seq: o.seq
  }
  if (o.effectiveRound !== undefined) value.effectiveRound = o.effectiveRound as number
  return { ok: true, value }
}

function checkConfig (c: unknown): AgreedConfig | undefined {
  if (!isObject(c)) return undefined
  const keys = Object.keys(c)
  if (keys.length > MAX_CONFIG_KEYS) return undefined
  for (const k of keys) {
    const v = c[k]
    if (v === null || typeof v === 'boolean') continue
    if (typeof v === 'number' && Number.isFinite(v)) continue
    if (typeof v === 'string' && v.length <= MAX_CONFIG_STRING_CHARS) continue
    return undefined
  }
  return c as AgreedConfig
}

function isCount (x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
}

/** rounds are u32 on the wire everywhere else (envelope, frames) */
function isRound (x: unknown): x is number {
  return isCount(x) && x <= 0xffffffff
}

function fault (f: AnnouncementFault, detail: string): DecodeResult {
  return { ok: false, fault: f, detail }
}
