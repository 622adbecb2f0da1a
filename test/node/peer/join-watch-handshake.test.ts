import assert from 'node:assert/strict'
import { createJoinWatch, handshakeFailuresNote, noPeerCauses } from '../../../node/peer/join-watch.ts'

const CONTEXT = { runId: 'r', peerId: '12D3KooWSelf', peers: 2, bootstrap: [] }

describe('node/peer join-watch: incoming connections that failed their handshake', () => {
  it('the waiting note counts them, with the likely cause for a peer with a key and for one without', () => {
    // before: a peer dialled by one with another --swarm-key said only "1 heard (this one)" until its start timeout
    const keyed = createJoinWatch({ swarmKey: true })
    assert.equal(handshakeFailuresNote(keyed), '', 'nothing to say before a failure')
    keyed.handshakeFailed()
    assert.equal(handshakeFailuresNote(keyed), '; 1 incoming connection failed during the private-network handshake (a peer with another --swarm-key, or none?)')
    keyed.handshakeFailed()
    assert.equal(handshakeFailuresNote(keyed), '; 2 incoming connections failed during the private-network handshake (a peer with another --swarm-key, or none?)')
    const open = createJoinWatch()
    open.handshakeFailed()
    assert.equal(handshakeFailuresNote(open), '; 1 incoming connection failed during the encryption handshake (a peer with a --swarm-key, which this one does not have?)')
  })

  it('they are a cause of hearing no peer, before the catch-all', () => {
    const w = createJoinWatch({ swarmKey: true })
    assert.match(noPeerCauses(w, CONTEXT), /^no connection was made/)
    w.handshakeFailed()
    const causes = noPeerCauses(w, CONTEXT)
    assert.match(causes, /^1 incoming connection failed during the private-network handshake \(a peer with another --swarm-key, or none\?\): compare the key fingerprints/)
    assert.doesNotMatch(causes, /no connection was made/)
  })
})
