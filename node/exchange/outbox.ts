/**
 * The sending side towards one neighbour: one long-lived outbound stream, reopened after a failure, and a
 * queue of round messages written one after another (a stream carries one message at a time). A send is
 * cancelled when the exchange says its round's buffer may be reused; a cancelled or failed send aborts the
 * stream so the receiver drops the partial message.
 */

import { once } from 'node:events'
import type { Stream } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'
import type { RoundMessage } from './message.ts'
import { GOSSIP_PROTOCOL_NO_CRC } from '../../lib/protocol/index.ts'
import { SendCancelledError } from './errors.ts'
import type { Counters } from './stats.ts'
import { writeFrames } from './write.ts'

export type Dial = (peer: string, signal: AbortSignal) => Promise<Stream>

export interface OutboxInit {
  peer: string
  dial: Dial
  counters: Counters
  log: Logger
  attempts: number
  dialTimeoutMs: number
}

interface Job { round: number, message: RoundMessage, controller: AbortController }

export class Outbox {
  private readonly init: OutboxInit
  private stream: Stream | undefined
  private readonly jobs = new Set<Job>()
  private tail: Promise<void> = Promise.resolve()
  private closed = false

  constructor (init: OutboxInit) {
    this.init = init
  }

  /** sends queued or under way */
  get pending (): number { return this.jobs.size }

  /**
   * Waits for the sends queued so far, then closes the stream and waits for the neighbour to close its side, which
   * it does once it has read up to the end (inbound.ts), or to reset it (it stopped): true then, false if `signal`
   * aborts first. A send that has returned has only handed its bytes to this process's buffers (a whole 8 MB
   * message, with a wide yamux window), and a node stopped then lost the end of the message in 2 of 4 stops.
   */
  async finish (signal: AbortSignal): Promise<boolean> {
    try {
      await untilAborted(this.tail, signal)
      const s = this.stream
      if (s === undefined) return true
      await s.close({ signal })
      if (s.status !== 'closed') await once(s, 'close', { signal })
      return true
    } catch {
      // a stream the neighbour reset (or a send that failed) leaves nothing to wait for
      return !signal.aborted
    }
  }

  /** Queues round `round`'s message; it is written after the ones before it. */
  enqueue (round: number, message: RoundMessage): void {
    if (this.closed) return
    const job: Job = { round, message, controller: new AbortController() }
    this.jobs.add(job)
    this.tail = this.tail.then(async () => { await this.run(job) }).finally(() => { this.jobs.delete(job) })
  }

  /** Cancels the queued and running sends of rounds before `round`. */
  cancelBefore (round: number): void {
    for (const job of this.jobs) {
      if (job.round < round) job.controller.abort(new SendCancelledError(`the send of round ${job.round} to ${this.init.peer} is cancelled: round ${round} has resolved`))
    }
  }

  /** Cancels everything and closes the stream; resolves when the queue has settled. */
  async close (): Promise<void> {
    this.closed = true
    for (const job of this.jobs) job.controller.abort(new SendCancelledError(`the outbox of ${this.init.peer} closed`))
    const s = this.stream
    this.stream = undefined
    if (s !== undefined) {
      try { await s.close({ signal: AbortSignal.timeout(1_000) }) } catch (err) { s.abort(err as Error) }
    }
    await this.tail
  }

  private async run (job: Job): Promise<void> {
    const { peer, counters, log, attempts } = this.init
    const signal = job.controller.signal
    for (let attempt = 1; attempt <= attempts && !signal.aborted; attempt++) {
      try {
        const stream = await this.open(signal)
        // a cancelled round's buffer may be the caller's again: nothing more is copied from it
        signal.throwIfAborted()
        const message = job.message
        await writeFrames(stream, message.for(stream.protocol), signal, (i) => { message.prepare(i) })
        const p = counters.peer(peer)
        p.bytesOut += message.wireBytes
        p.messagesOut++
        return
      } catch (err) {
        this.drop(err as Error)
        if (signal.aborted) {
          log('send of round %d to %s cancelled', job.round, peer)
          return
        }
        counters.peer(peer).sendFailures++
        log.error('send of round %d to %s failed (try %d of %d) - %e', job.round, peer, attempt, attempts, err)
      }
    }
  }

  private async open (signal: AbortSignal): Promise<Stream> {
    const s = this.stream
    if (s !== undefined && s.status === 'open' && s.writeStatus === 'writable') return s
    this.stream = undefined
    const stream = await this.init.dial(this.init.peer, AbortSignal.any([signal, AbortSignal.timeout(this.init.dialTimeoutMs)]))
    this.init.counters.streamsOpened++
    if (stream.protocol === GOSSIP_PROTOCOL_NO_CRC) this.init.counters.streamsOpenedNoCrc++
    stream.addEventListener('close', () => { if (this.stream === stream) this.stream = undefined })
    if (this.closed) {
      stream.abort(new SendCancelledError(`the outbox of ${this.init.peer} closed`))
      throw new SendCancelledError(`the outbox of ${this.init.peer} closed`)
    }
    this.stream = stream
    return stream
  }

  private drop (err: Error): void {
    const s = this.stream
    this.stream = undefined
    s?.abort(err)
  }
}

/** resolves with `p`, or rejects with the reason of `signal` once it aborts */
async function untilAborted (p: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
  })
}
