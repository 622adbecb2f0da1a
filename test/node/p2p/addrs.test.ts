import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { bootstrapAddrs, parseAnnounceAddrs, parseBootstrapAddrs, parseListenAddrs, splitAddrList } from '../../../node/p2p/index.ts'

const ID = '12D3KooWP4EQMJUHBhyru8qhZpEgbY1t3ha41b21KqM2GwNmC3cF'

describe('node/p2p multiaddr flags', () => {
  it('splits comma lists and repeated flags, dropping empty items', () => {
    assert.deepEqual(splitAddrList('/ip4/1.2.3.4/tcp/1, /ip4/1.2.3.5/tcp/2,'), ['/ip4/1.2.3.4/tcp/1', '/ip4/1.2.3.5/tcp/2'])
    assert.deepEqual(splitAddrList(['/ip4/1.2.3.4/tcp/1', '/ip6/::1/tcp/2']), ['/ip4/1.2.3.4/tcp/1', '/ip6/::1/tcp/2'])
  })

  it('accepts the valid forms of each flag', () => {
    assert.deepEqual(parseListenAddrs('/ip4/0.0.0.0/tcp/4001,/ip6/::/tcp/0'), ['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/0'])
    assert.deepEqual(parseAnnounceAddrs('/dns4/peer.example.org/tcp/4001'), ['/dns4/peer.example.org/tcp/4001'])
    assert.deepEqual(parseBootstrapAddrs(`/ip4/192.168.1.5/tcp/4001/p2p/${ID},/dnsaddr/boot.example.org/p2p/${ID}`),
      [`/ip4/192.168.1.5/tcp/4001/p2p/${ID}`, `/dnsaddr/boot.example.org/p2p/${ID}`])
  })

  const cases: Array<{ id: string, parse: (s: string) => string[], input: string, expectedError: string, flag: string }> = [
    { id: 'bootstrap without /p2p/', parse: parseBootstrapAddrs, input: '/ip4/192.168.1.5/tcp/4001', expectedError: 'MissingPeerIdError', flag: 'bootstrap' },
    { id: 'bootstrap with a bad peer id', parse: parseBootstrapAddrs, input: '/ip4/192.168.1.5/tcp/4001/p2p/notapeer', expectedError: 'InvalidPeerIdError', flag: 'bootstrap' },
    { id: 'bootstrap that is not a multiaddr', parse: parseBootstrapAddrs, input: '192.168.1.5:4001', expectedError: 'UnparsableMultiaddrError', flag: 'bootstrap' },
    { id: 'bootstrap over UDP', parse: parseBootstrapAddrs, input: `/ip4/1.2.3.4/udp/4001/p2p/${ID}`, expectedError: 'UnsupportedAddressError', flag: 'bootstrap' },
    { id: 'listen with an invalid IPv4 address', parse: parseListenAddrs, input: '/ip4/999.1.1.1/tcp/1', expectedError: 'UnparsableMultiaddrError', flag: 'listen' },
    { id: 'listen on a port that is not a number', parse: parseListenAddrs, input: '/ip4/1.1.1.1/tcp/x', expectedError: 'UnparsableMultiaddrError', flag: 'listen' },
    { id: 'listen on a DNS name', parse: parseListenAddrs, input: '/dns4/example.org/tcp/1', expectedError: 'UnsupportedAddressError', flag: 'listen' },
    { id: 'listen with a peer id', parse: parseListenAddrs, input: `/ip4/0.0.0.0/tcp/1/p2p/${ID}`, expectedError: 'UnsupportedAddressError', flag: 'listen' },
    { id: 'listen with only a host', parse: parseListenAddrs, input: '/ip4/0.0.0.0', expectedError: 'UnsupportedAddressError', flag: 'listen' },
    { id: 'announce with a peer id', parse: parseAnnounceAddrs, input: `/ip4/1.2.3.4/tcp/1/p2p/${ID}`, expectedError: 'UnsupportedAddressError', flag: 'announce' },
    { id: 'announce of a bare slash', parse: parseAnnounceAddrs, input: '/', expectedError: 'UnparsableMultiaddrError', flag: 'announce' }
  ]
  for (const c of cases) {
    it(`refuses ${c.id} with ${c.expectedError} naming --${c.flag} and the value`, () => {
      assert.throws(() => c.parse(c.input), (err: any) => {
        assert.equal(err.name, c.expectedError)
        assert.equal(err.flag, c.flag)
        assert.equal(err.value, c.input)
        return true
      })
    })
  }

  it('bootstrapAddrs: adds /p2p/<id>, drops wildcards, puts loopback last', () => {
    const node = {
      peerId: { toString: () => ID },
      getMultiaddrs: () => ['/ip4/127.0.0.1/tcp/5', '/ip4/0.0.0.0/tcp/5', '/ip4/192.168.1.5/tcp/5', `/ip4/10.0.0.2/tcp/5/p2p/${ID}`].map((s) => multiaddr(s))
    }
    assert.deepEqual(bootstrapAddrs(node), [`/ip4/192.168.1.5/tcp/5/p2p/${ID}`, `/ip4/10.0.0.2/tcp/5/p2p/${ID}`, `/ip4/127.0.0.1/tcp/5/p2p/${ID}`])
    for (const a of bootstrapAddrs(node)) assert.deepEqual(parseBootstrapAddrs(a), [a], 'each is a valid --bootstrap value')
  })
})
