/**
 * The observer's tick notices that its own process was stopped: a tick far past its period hands the pause to
 * WatchModel.stalled. The node is a stand-in (this is the observer's timer logic); the real-network observer is
 * covered by observer.test.ts.
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { createObserver, OBSERVER_STALL_MS, WatchModel } from '../../../node/watch/index.ts'
import type { ObserverComponents } from '../../../node/watch/index.ts'

function stubNode (): ObserverComponents['node'] {
  const noop = (): void => {}
  const pubsub = { topicValidators: new Map(), addEventListener: noop, removeEventListener: noop, subscribe: noop, unsubscribe: noop }
  const logger = { forComponent: () => Object.assign(noop, { enabled: false, trace: noop, error: noop, newScope: () => logger }) }
  return {
    peerId: { toString: () => '12D3KooWObserver' },
    services: { pubsub },
    dial: async () => { throw new Error('no dial in this test') },
    getConnections: () => [],
    logger,
    addEventListener: noop,
    removeEventListener: noop
  } as unknown as ObserverComponents['node']
}

describe('node/watch createObserver: its own pauses', () => {
  it('a tick later than its period + OBSERVER_STALL_MS reports the pause to the model; on-time ticks do not', async () => {
    let clock = 1_000_000
    const stalls: number[] = []
    const model = new WatchModel({ runId: 'stall' })
    model.stalled = (ms: number) => { stalls.push(ms) }
    // each step moves the clock, then waits for the next tick to have read it (however late the timer fires)
    let ticks = 0
    const tick = model.tick.bind(model)
    model.tick = (now: number) => { ticks++; tick(now) }
    const step = async (ms: number): Promise<void> => {
      clock += ms
      const seen = ticks
      while (ticks === seen) await sleep(5)
    }
    const observer = createObserver({ node: stubNode() }, { runId: 'stall', model, tickMs: 20, now: () => clock })
    observer.start()
    try {
      for (let i = 0; i < 3; i++) await step(20)
      assert.deepEqual(stalls, [], 'ticks on time')
      await step(20 + OBSERVER_STALL_MS - 5)
      assert.deepEqual(stalls, [], 'late, but within the allowance')
      await step(20 + OBSERVER_STALL_MS + 500)
      assert.deepEqual(stalls, [OBSERVER_STALL_MS + 500])
    } finally {
      observer.stop()
    }
  })
})
