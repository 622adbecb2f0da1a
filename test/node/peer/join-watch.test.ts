import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveRunConfig } from '../../../lib/experiment/index.ts'
import type { RunConfig } from '../../../lib/experiment/index.ts'
import { METRICS_FILE } from '../../../node/peer/index.ts'
import type { PeerInit } from '../../../node/peer/index.ts'
import { bootstrapHint, createJoinWatch, noPeerCauses, selfBootstrapNote, sharedIdentityNote, slotConflictNote } from '../../../node/peer/join-watch.ts'
import { startLoggedPeer, stopLogged } from './helpers.ts'
import type { LoggedPeer } from './helpers.ts'

/** a TCP port nothing listens on (the system gave it, then it was closed) */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  return port
}

/** a valid PeerId of no running peer */
const STRANGER = '12D3KooWFtdQz4DMziu2w41sDLcduGQuGQkFg64xtcPLrkixqjph'

const dirs: string[] = []
const running: LoggedPeer[] = []

function start (config: RunConfig, slot: number, extra: Partial<PeerInit>): LoggedPeer {
  const dataDir = mkdtempSync(join(tmpdir(), 'murmur-join-watch-'))
  dirs.push(dataDir)
  return startLoggedPeer({ config, slot, dataDir, ...extra }, running)
}

/** stops every peer the tests started and removes their folders */
async function stopAll (): Promise<void> {
  await stopLogged(running, dirs)
}
describe('node/peer: a peer that hears no one of its run', function () {
  this.timeout(60_000)
  afterEach(stopAll)

  it('with a --bootstrap it cannot reach: stops at its start timeout with JoinFailedError naming the address, instead of training alone', async () => {
    // before: "start timeout: fixing round 0 with 1 of 2 peers heard", then every round alone and exit 0
    const config = resolveRunConfig({ runId: 'join-watch-refused', peers: 2, algo: 'gossip', dim: 50, rounds: 200, seed: 1, roundDeadlineMs: 1000 })
    const port = await closedPort()
    const addr = `/ip4/127.0.0.1/tcp/${port}/p2p/${STRANGER}`
    const p = start(config, 1, { bootstrap: [addr], startTimeoutMs: 3000 })
    await assert.rejects(p.done, (err: Error) => {
      assert.equal(err.name, 'JoinFailedError')
      assert.match(err.message, /no other peer of run 'join-watch-refused' heard/)
      assert.ok(err.message.includes(`could not connect to ${addr}`), err.message)
      assert.match(err.message, /nothing listens on that port/)
      return true
    })
    const metrics = join(p.init.dataDir, METRICS_FILE)
    assert.equal(existsSync(metrics) ? readFileSync(metrics, 'utf8') : '', '', 'no round was trained')
    assert.ok(p.log.some((l) => l.startsWith('waiting for the run\'s 2 peers: 1 heard (this one)')), p.log.join('\n'))
  })

  it('refused by the bootstrap peer\'s --allow-peers: the error says the allowlist does not name it, with its PeerId', async () => {
    const config = resolveRunConfig({ runId: 'join-watch-allow', peers: 2, algo: 'gossip', dim: 50, rounds: 200, seed: 1, roundDeadlineMs: 1000 })
    const list = join(mkdtempSync(join(tmpdir(), 'murmur-join-watch-list-')), 'peers.txt')
    dirs.push(join(list, '..'))
    writeFileSync(list, `${STRANGER}\n`)
    const a = start(config, 0, { allowPeersFile: list })
    const b = start(config, 1, { bootstrap: await a.addrs, startTimeoutMs: 4000 })
    const id = await b.peerId
    await assert.rejects(b.done, (err: Error) => {
      assert.equal(err.name, 'JoinFailedError')
      assert.match(err.message, /closed by the other side right after the handshake/)
      assert.ok(err.message.includes(`does not name this peer (${id})`), err.message)
      return true
    })
    // before: the bootstrap dial itself succeeded (the connection was closed only after it), so no warning was logged
    const [addr] = await a.addrs
    const warning = b.log.find((l) => l.startsWith(`warning: cannot connect to bootstrap peer ${addr} `))
    assert.ok(warning !== undefined, b.log.join('\n'))
    assert.ok(warning.includes('BootstrapConnectionDroppedError'), warning)
    assert.ok(warning.includes(`--allow-peers list most likely does not name this peer (${id})`), warning)
  })

  it('a new run\'s cohort with two peers in one slot waits for the empty slot instead of starting without its shard', async () => {
    // before: 2 peers heard of --peers 2, so round 0 was fixed at once with slot 1 (its shard) missing
    const config = resolveRunConfig({ runId: 'join-watch-cohort', peers: 2, algo: 'gossip', dim: 50, rounds: 30, seed: 1, roundDeadlineMs: 1000 })
    const a = start(config, 0, {})
    const b = start(config, 0, { bootstrap: await a.addrs })
    await new Promise((resolve) => setTimeout(resolve, 3000))
    for (const p of [a, b]) {
      const metrics = join(p.init.dataDir, METRICS_FILE)
      assert.equal(existsSync(metrics) ? readFileSync(metrics, 'utf8') : '', '', `no round trained yet:\n${p.log.join('\n')}`)
    }
    // the missing slot arrives: the three start together and finish
    const c = start(config, 1, { bootstrap: await a.addrs })
    const results = await Promise.all([a.done, b.done, c.done])
    for (const r of results) assert.equal(r.reason, 'rounds')
  })

  it('two live peers in one slot: each logs that its slot is also claimed by the other', async () => {
    const config = resolveRunConfig({ runId: 'join-watch-slot', peers: 2, algo: 'gossip', dim: 50, rounds: 30, seed: 1, roundDeadlineMs: 1000 })
    const a = start(config, 0, { startTimeoutMs: 4000 })
    const b = start(config, 0, { bootstrap: await a.addrs, startTimeoutMs: 4000 })
    await Promise.all([a.done, b.done])
    const [ida, idb] = [await a.peerId, await b.peerId]
    assert.ok(a.log.some((l) => l.startsWith('warning: this peer\'s slot 0 (--shard 0/2) is also claimed by ' + idb)), a.log.join('\n'))
    assert.ok(b.log.some((l) => l.startsWith('warning: this peer\'s slot 0 (--shard 0/2) is also claimed by ' + ida)), b.log.join('\n'))
  })
})

describe('node/peer: a peer whose run config matches no one it hears', function () {
  this.timeout(60_000)
  afterEach(stopAll)
  const base = { peers: 2, algo: 'gossip', dim: 50, rounds: 30, seed: 1, roundDeadlineMs: 1000 } as const

  it('refused by every peer it joined: stops well before its start timeout with ConfigMismatchError naming the field and the fix; the peer it joined keeps waiting', async () => {
    // before: the refusal was logged at once, then the peer waited its whole --start-timeout (30 s here) and only then failed
    const ours = resolveRunConfig({ ...base, runId: 'join-watch-mismatch' })
    const a = start(ours, 0, { startTimeoutMs: 30_000 })
    const t0 = performance.now()
    const b = start(resolveRunConfig({ ...base, runId: 'join-watch-mismatch', lr: 0.3 }), 1, { bootstrap: await a.addrs, startTimeoutMs: 30_000 })
    const ida = await a.peerId
    const err = await b.done.then(() => undefined, (e: unknown) => e as Error & { fields?: string[], peers?: number })
    const ms = performance.now() - t0
    assert.ok(ms < 10_000, `stopped after ${Math.round(ms)} ms; its start timeout is 30,000 ms`)
    assert.ok(err !== undefined, 'b fails')
    assert.equal(err.name, 'ConfigMismatchError')
    assert.deepEqual(err.fields, ['lr'])
    assert.equal(err.peers, 1)
    assert.ok(err.message.includes(`${ida}: lr: ours 0.3, theirs 0.05`), err.message)
    assert.match(err.message, /same --config file and flags as the others/)
    assert.ok(b.log.some((l) => l.startsWith(`error: refused peer ${ida}: its run config differs: lr: ours 0.3, theirs 0.05`)), b.log.join('\n'))
    // the first peer (no --bootstrap: the others come to it) is not stopped by one misconfigured joiner
    const settled = await Promise.race([a.done.then(() => true, () => true), new Promise((resolve) => setTimeout(() => { resolve(false) }, 200))])
    assert.equal(settled, false, a.log.join('\n'))
    // and a joiner with its config starts the run with it
    const c = start(ours, 1, { bootstrap: await a.addrs, startTimeoutMs: 30_000 })
    const results = await Promise.all([a.done, c.done])
    for (const r of results) assert.equal(r.reason, 'rounds')
  })

  it('a peer with its config heard within the grace: it joins that one instead of stopping', async () => {
    const a = start(resolveRunConfig({ ...base, runId: 'join-watch-mismatch-late' }), 0, { startTimeoutMs: 30_000 })
    const theirs = resolveRunConfig({ ...base, runId: 'join-watch-mismatch-late', lr: 0.3 })
    const b = start(theirs, 0, { bootstrap: await a.addrs, startTimeoutMs: 30_000 })
    // b hears a, is refused, and says it will stop unless a peer of its config is heard: only then does c start
    const note = (l: string): boolean => /^every peer heard so far refuses this peer's run config \(differing: lr\): it stops in \d+ s unless/.test(l)
    const until = Date.now() + 10_000
    while (!b.log.some(note) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.ok(b.log.some(note), b.log.join('\n'))
    const c = start(theirs, 1, { bootstrap: await a.addrs, startTimeoutMs: 30_000 })
    const results = await Promise.all([b.done, c.done])
    for (const r of results) assert.equal(r.reason, 'rounds')
  })
})

describe('node/peer: the log of a neighbour that leaves gracefully', function () {
  this.timeout(60_000)
  afterEach(stopAll)

  it('says it leaves, and not, once its announcements stop, that it went silent', async () => {
    // before: "peer … leaves; gone from round R", then a few seconds later "peer … went silent; dropped from the membership"
    const config = resolveRunConfig({ runId: 'join-watch-leave', peers: 2, algo: 'gossip', dim: 50, rounds: 1_000_000, seed: 1, roundDeadlineMs: 500 })
    const a = start(config, 0, { startTimeoutMs: 4000 })
    const b = start(config, 1, { bootstrap: await a.addrs, startTimeoutMs: 4000 })
    const idb = await b.peerId
    const until = Date.now() + 20_000
    while (!a.log.some((l) => l.startsWith(`peer ${idb} (slot 1) joins`)) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
    await new Promise((resolve) => setTimeout(resolve, 500))
    b.stop.abort()
    await b.done
    // the membership timeout is 3 heartbeats + the round deadline (1.1 s here): wait well past it
    await new Promise((resolve) => setTimeout(resolve, 3000))
    assert.ok(a.log.some((l) => l.startsWith(`peer ${idb} leaves; gone from round`)), a.log.join('\n'))
    assert.ok(!a.log.some((l) => l.startsWith(`peer ${idb} went silent`)), a.log.join('\n'))
  })
})

describe('node/peer: the log of a peer that joins a running run', function () {
  this.timeout(60_000)
  afterEach(stopAll)

  it('names the members it finds as members since their round, not as peers joining at round 0 now', async () => {
    // before: a peer resumed or joining at round 3727 logged "peer … (slot 0) joins at round 0" for every member
    const config = resolveRunConfig({ runId: 'join-watch-late', peers: 2, algo: 'gossip', dim: 50, rounds: 1_000_000, seed: 1, roundDeadlineMs: 1000 })
    const a = start(config, 0, { startTimeoutMs: 4000 })
    const b = start(config, 1, { bootstrap: await a.addrs, startTimeoutMs: 4000 })
    const [ida, idb] = [await a.peerId, await b.peerId]
    const rounds = (): number => { const m = join(a.init.dataDir, METRICS_FILE); return existsSync(m) ? readFileSync(m, 'utf8').split('\n').length : 0 }
    const until = Date.now() + 20_000
    while (rounds() < 500 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
    const c = start(config, 1, { bootstrap: await a.addrs, startTimeoutMs: 4000 })
    const idc = await c.peerId
    while (!c.log.some((l) => l.startsWith('joining a running run')) && Date.now() < until + 20_000) await new Promise((resolve) => setTimeout(resolve, 50))
    for (const id of [ida, idb]) {
      assert.ok(c.log.some((l) => new RegExp(`^peer ${id} \\(slot [01]\\) is a member since round 0, now at round [1-9]`).test(l)), c.log.join('\n'))
      assert.ok(!c.log.some((l) => l.startsWith(`peer ${id} (slot`) && l.includes('joins at round 0')), c.log.join('\n'))
    }
    // the members see the newcomer join now, at a round ahead of theirs
    const until2 = Date.now() + 10_000
    while (!a.log.some((l) => l.startsWith(`peer ${idc} (slot 1) joins at round `)) && Date.now() < until2) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.ok(a.log.some((l) => l.startsWith(`peer ${idc} (slot 1) joins at round `)), a.log.join('\n'))
  })
})

describe('node/peer join-watch: the causes a waiting peer names', () => {
  const context = { runId: 'r', peerId: '12D3KooWself', peers: 3, bootstrap: ['/ip4/192.0.2.1/tcp/9000/p2p/12D3KooWa'] }

  it('connections dropped right after the handshake come first (an allowlist), then a bootstrap failure', () => {
    const w = createJoinWatch()
    w.opened()
    w.closed(20)
    w.bootstrapFailed(context.bootstrap[0], Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' }))
    const text = noPeerCauses(w, context)
    assert.ok(text.indexOf('--allow-peers') < text.indexOf('could not connect'), text)
    assert.ok(text.includes('(12D3KooWself)'), text)
    assert.ok(text.includes('Error: connect ECONNREFUSED'), text)
  })

  it('a bootstrap connection dropped right after the handshake is said once, as the allowlist cause', () => {
    const w = createJoinWatch()
    w.opened()
    w.closed(8)
    w.bootstrapFailed(context.bootstrap[0], Object.assign(new Error('connected, then the other side closed the connection 8 ms after the handshake: …'), { name: 'BootstrapConnectionDroppedError' }))
    const text = noPeerCauses(w, context)
    assert.match(text, /^1 connection was closed by the other side right after the handshake: its --allow-peers list most likely does not name this peer \(12D3KooWself\)/)
    assert.ok(!text.includes('could not connect'), text)
    assert.match(bootstrapHint('BootstrapConnectionDroppedError: connected, then …'), /--allow-peers list most likely does not name this peer/)
  })

  it('each kind of bootstrap failure gets its own hint', () => {
    assert.match(bootstrapHint('EncryptionFailedError: read ECONNRESET'), /same --swarm-key/)
    assert.match(bootstrapHint('EncryptionFailedError: Payload identity key 12D3KooWa does not match expected remote identity key 12D3KooWb'), /not the one named by \/p2p\//)
    assert.match(bootstrapHint('Error: connection error 10.0.0.1:9001: connect ECONNREFUSED 10.0.0.1:9001'), /nothing listens on that port/)
    assert.match(bootstrapHint('Error: connect EHOSTUNREACH 10.0.0.99:9000'), /cannot be reached/)
    assert.match(bootstrapHint('TimeoutError: The operation was aborted due to timeout'), /cannot be reached/)
  })

  it('a loopback --bootstrap address that failed: it is this machine, not the first peer\'s', () => {
    const w = createJoinWatch()
    const addr = '/ip4/127.0.0.1/tcp/9000/p2p/12D3KooWa'
    w.bootstrapFailed(addr, Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { name: 'Error' }))
    const text = noPeerCauses(w, { ...context, bootstrap: [addr] })
    assert.match(text, /nothing listens on that port there/)
    assert.match(text, /If that peer runs on another machine: a loopback address is this machine itself/)
  })

  it('a connection that stayed up but no announcement of the run: a --run-id to check', () => {
    const w = createJoinWatch()
    w.opened()
    w.closed(60_000)
    assert.match(noPeerCauses(w, context), /no peer announced run 'r': check that every peer has the same --run-id/)
  })

  it('nothing known yet: the address to check', () => {
    assert.match(noPeerCauses(createJoinWatch(), context), /no connection was made/)
  })

  it('connected but unheard names a copied identity.key too; a --bootstrap list of only itself names both its causes', () => {
    const w = createJoinWatch()
    w.opened()
    w.closed(60_000)
    assert.match(noPeerCauses(w, context), /or another process runs with this peer's PeerId \(12D3KooWself; a data dir copied with its identity\.key\)/)
    const own = { ...context, bootstrap: ['/ip4/192.0.2.1/tcp/9000/p2p/12D3KooWself'] }
    const text = noPeerCauses(createJoinWatch(), own)
    assert.match(text, /^every --bootstrap address names this peer's own PeerId \(12D3KooWself\), so it dialled no one: give it another peer's --bootstrap line\. If that line is another peer's, this data dir holds a copy/)
    assert.ok(!text.includes('no connection was made'), text)
    // a list naming itself among others: the others are dialled, nothing to say
    assert.match(noPeerCauses(createJoinWatch(), { ...own, bootstrap: [...own.bootstrap, context.bootstrap[0]] }), /^no connection was made/)
  })

  it('a --bootstrap list of only itself is noted at start; two processes under one PeerId are warned with where each runs', () => {
    assert.match(selfBootstrapNote(['/ip4/10.0.0.1/tcp/9000/p2p/12D3KooWself'], '12D3KooWself') ?? '', /^note: every --bootstrap address names this peer itself \(12D3KooWself\): it dials no one/)
    assert.equal(selfBootstrapNote(['/ip4/10.0.0.1/tcp/9000/p2p/12D3KooWself', '/ip4/10.0.0.2/tcp/9000/p2p/12D3KooWa'], '12D3KooWself'), undefined)
    assert.equal(selfBootstrapNote([], '12D3KooWself'), undefined)
    const other = sharedIdentityNote({ id: '12D3KooWa', self: false, where: ['slot 1 at /ip4/10.0.0.1/tcp/9000', 'slot 2 at /ip4/10.0.0.2/tcp/9000'] }, '12D3KooWself')
    assert.match(other, /^warning: two processes run with PeerId 12D3KooWa \(slot 1 at \/ip4\/10\.0\.0\.1\/tcp\/9000; slot 2 at .*\): a data dir or machine image copied with its identity\.key\. .*delete its identity\.key/)
    assert.match(sharedIdentityNote({ id: '12D3KooWself', self: true, where: ['slot 1', 'slot 2'] }, '12D3KooWself'), /^warning: two processes run with this peer's own PeerId \(12D3KooWself\)/)
  })

  it('a conflict between two other peers is a note, one with this peer a warning', () => {
    assert.match(slotConflictNote({ slot: 2, ids: ['x', 'y'] }, 'self', 4), /^note: slot 2 is claimed by 2 live peers \(x, y\)/)
    assert.match(slotConflictNote({ slot: 2, ids: ['self', 'y'] }, 'self', 4), /^warning: this peer's slot 2 \(--shard 2\/4\) is also claimed by y:/)
  })
})
