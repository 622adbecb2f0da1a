/**
 * A peer waiting for its run that hears only peers refusing it: their agreed config differs from its own
 * (membership's 'refused', logged at once with the fields). A peer that joined others through --bootstrap and is
 * refused by every one it hears is the odd one out: it stops after a grace (a peer of its own config heard meanwhile
 * wins), not at its start timeout, which can be minutes. A peer without --bootstrap is the one the others come to:
 * one misconfigured joiner does not stop it (it keeps waiting for peers of its config, as at its start timeout).
 */
import { AGREED_FIELDS } from '../../lib/experiment/index.ts'
import type { Refusal } from '../membership/index.ts'
import { ConfigMismatchError } from './errors.ts'

/**
 * Least grace (ms) between the first refusal and the stop, so that a peer of this one's config that starts a few
 * seconds later (its data loads, it dials, its first announcement crosses the gossip mesh) is still heard. The
 * grace is at least one membership timeout: a live peer connected to this one is heard within it.
 */
export const MISMATCH_GRACE_MS = 5000

/** The grace of a peer whose membership timeout is `timeoutMs`. */
export function mismatchGraceMs (timeoutMs: number): number {
  return Math.max(timeoutMs, MISMATCH_GRACE_MS)
}

export interface MismatchCheck {
  /** this look began a spell of refusals only (log mismatchNote once) */
  began: boolean
  /** the error to stop with: only refusing peers heard for the whole grace */
  error?: ConfigMismatchError
}

export interface MismatchWatch {
  /** One look at the membership: `matching` live peers of this config heard, and the refusals so far. */
  check: (matching: number, refusals: readonly Refusal[], now: number) => MismatchCheck
}

/** `stopEarly`: the peer joined through --bootstrap (else no error is returned; its start timeout decides). */
export function createMismatchWatch (opts: { graceMs: number, stopEarly: boolean }): MismatchWatch {
  let since: number | undefined
  return {
    check: (matching, refusals, now) => {
      if (matching > 0 || refusals.length === 0) { since = undefined; return { began: false } }
      const began = since === undefined
      since ??= now
      if (!opts.stopEarly || now - since < opts.graceMs) return { began }
      return { began, error: configMismatchError(refusals, now - since) }
    }
  }
}

/** The agreed fields any refusing peer differs in, in AGREED_FIELDS order. */
export function mismatchFields (refusals: readonly Refusal[]): string[] {
  const differ = new Set(refusals.flatMap((r) => r.diff.map((d) => d.field)))
  return AGREED_FIELDS.filter((f) => differ.has(f))
}

/**
 * The error of a peer that heard only peers refusing it for `waitedMs`: each peer with its differing values (ours
 * is this peer's), and the fix.
 */
export function configMismatchError (refusals: readonly Refusal[], waitedMs: number): ConfigMismatchError {
  const fields = mismatchFields(refusals)
  const n = refusals.length
  const named = fields.length > 0 ? ` (differing: ${fields.join(', ')}; "ours" is this peer's value)` : ''
  return new ConfigMismatchError(
    `every peer heard runs another config (${n} peer${n === 1 ? '' : 's'}, and none with this peer's config in ${Math.round(waitedMs / 1000)} s): ` +
    `${refusals.map((r) => `${r.id}: ${r.reason}`).join(' | ')}. ` +
    `Start this peer with the same --config file and flags as the others${named}; or, if this peer's values are the ones wanted, restart the others with them`,
    fields, n)
}

/** The log line when a peer that joined through --bootstrap starts hearing only peers refusing it. */
export function mismatchNote (refusals: readonly Refusal[], graceMs: number): string {
  const fields = mismatchFields(refusals)
  return `every peer heard so far refuses this peer's run config${fields.length > 0 ? ` (differing: ${fields.join(', ')})` : ''}: ` +
    `it stops in ${Math.round(graceMs / 1000)} s unless a peer with its config is heard`
}
