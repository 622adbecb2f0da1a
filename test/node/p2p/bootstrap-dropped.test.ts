import assert from 'node:assert/strict'
import { bootstrapAddrs } from '../../../node/p2p/index.ts'
import type { PeerNode, PeerNodeInit } from '../../../node/p2p/index.ts'
import { loopbackNode, stopAll, waitFor } from './util.ts'

/** a valid PeerId of no running node */
const STRANGER = '12D3KooWFtdQz4DMziu2w41sDLcduGQuGQkFg64xtcPLrkixqjph'

type Failure = Parameters<NonNullable<PeerNodeInit['onBootstrapFailed']>>[0]

describe('node/p2p node: a bootstrap peer that closes the connection right after the handshake', function () {
  this.timeout(15_000)
  const nodes: PeerNode[] = []
  afterEach(async () => { await stopAll(nodes) })

  it('reports the address as failed with BootstrapConnectionDroppedError naming this PeerId and the allowlist', async () => {
    // before: the redial "succeeded" (the remote's gater closes the connection only after it), so nothing was reported
    const a = await loopbackNode({ allowPeers: [STRANGER] })
    nodes.push(a)
    const failures: Failure[] = []
    const b = await loopbackNode({ bootstrap: bootstrapAddrs(a), bootstrapRetryMs: 300, onBootstrapFailed: (f) => { failures.push(f) } })
    nodes.push(b)
    await waitFor('a reported bootstrap failure', () => failures.length > 0, 5000)
    const [f] = failures
    assert.equal(f.addr, bootstrapAddrs(a)[0])
    assert.equal(f.attempts, 1)
    assert.equal(f.hadConnections, false, 'a dropped connection is not a connection the node had')
    assert.equal(f.error.name, 'BootstrapConnectionDroppedError')
    assert.equal((f.error as Error & { addr?: string }).addr, f.addr)
    assert.ok(f.error.message.includes(`--allow-peers list most likely does not name this peer (${b.peerId.toString()})`), f.error.message)
    assert.match(f.error.message, /identity\.key/)
  })

  it('a bootstrap peer that keeps the connection: nothing reported', async () => {
    const a = await loopbackNode()
    nodes.push(a)
    const failures: Failure[] = []
    const b = await loopbackNode({ bootstrap: bootstrapAddrs(a), bootstrapRetryMs: 300, onBootstrapFailed: (f) => { failures.push(f) } })
    nodes.push(b)
    await waitFor('b connected to a', () => a.getConnections(b.peerId).length > 0)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    assert.deepEqual(failures, [])
  })
})
