/**
 * `--churn "kill:3@50,leave:5@60,join:2@80,restart:2@90"`: what happens to which peers at which round of a local
 * cluster. restart: SIGKILL, then the same slot, data dir and identity again with --resume.
 */
import { UsageError } from '../../node/cli/args.ts'

export type ChurnEvent =
  | { kind: 'kill' | 'leave' | 'restart', slot: number, round: number }
  | { kind: 'join', count: number, round: number }

const EVENT = /^(kill|leave|join|restart):(\d+)@(\d+)$/

export function parseChurn (text: string, peers: number): ChurnEvent[] {
  if (text.trim() === '') return []
  return text.split(',').map((part): ChurnEvent => {
    const m = EVENT.exec(part.trim())
    if (m === null) throw new UsageError(`invalid value for --churn: '${part}'; expected kill:SLOT@ROUND, leave:SLOT@ROUND, restart:SLOT@ROUND or join:COUNT@ROUND, comma-separated`, 'churn')
    const n = Number(m[2])
    const round = Number(m[3])
    if (m[1] === 'join') {
      if (n < 1) throw new UsageError(`invalid value for --churn: '${part}': join needs a count ≥ 1`, 'churn')
      return { kind: 'join', count: n, round }
    }
    if (n >= peers) throw new UsageError(`invalid value for --churn: '${part}': slot ${n} does not exist (slots are 0..${peers - 1})`, 'churn')
    if (n === 0) throw new UsageError(`invalid value for --churn: '${part}': slot 0 is the bootstrap peer; choose another`, 'churn')
    return { kind: m[1] as 'kill' | 'leave' | 'restart', slot: n, round }
  }).sort((a, b) => a.round - b.round)
}
