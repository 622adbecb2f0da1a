import assert from 'node:assert/strict'
import { formatHelp } from '../../../node/cli/args.ts'
import { CLUSTER_SPEC } from '../../../scripts/cluster.ts'
import { parseChurn } from '../../../scripts/lib/churn.ts'

/**
 * `murmur cluster --help` said of --churn "R below --rounds", which the parser refuses for a join or restart only (a kill
 * or leave may fall on the last round), and nothing of slot 0, which the parser refused with "slot 0 is the bootstrap
 * peer; choose another" (found by a user's walkthrough).
 */
describe('murmur cluster --churn: the rounds and slots the help states are the ones accepted', () => {
  const refused = (text: string, peers: number, rounds: number, pattern: RegExp[]): void => {
    assert.throws(() => parseChurn(text, peers, rounds), (e: Error & { option?: string }) => {
      assert.equal(e.name, 'UsageError')
      assert.equal(e.option, 'churn')
      assert.ok(e.message.includes(`'${text}'`), e.message)
      for (const p of pattern) assert.match(e.message, p)
      return true
    }, text)
  }

  it('the help says kill and leave go up to --rounds, join and restart below it, as parseChurn decides', () => {
    const help = formatHelp(CLUSTER_SPEC).replace(/\s+/g, ' ')
    assert.match(help, /R: up to --rounds for kill and leave .*below --rounds for join and restart/)
    assert.doesNotMatch(help, /R below --rounds/)
    for (const kind of ['kill', 'leave']) assert.deepEqual(parseChurn(`${kind}:1@10`, 3, 10), [{ kind, slot: 1, round: 10 }], kind)
    for (const kind of ['join', 'restart']) {
      assert.deepEqual(parseChurn(`${kind}:1@9`, 3, 10).map((e) => e.round), [9], kind)
      refused(`${kind}:1@10`, 3, 10, [/--rounds 10/, /below 10/])
    }
  })

  it('the help names slot 0 as the bootstrap peer that is never churned, and the slots that may be', () => {
    const help = formatHelp(CLUSTER_SPEC).replace(/\s+/g, ' ')
    assert.match(help, /I: 1 to --peers − 1; slot 0 is the bootstrap peer .* and is never churned/)
  })

  it('slot 0 is refused saying why (the bootstrap peer the others and murmur watch dial) and which slots to use instead', () => {
    for (const kind of ['kill', 'leave', 'restart']) {
      refused(`${kind}:0@5`, 4, 10, [/slot 0 is the bootstrap peer/, /joined the run through its address/, /murmur watch/, /choose a slot from 1 to 3/, /OUT\/peer-0\/peer\.json/])
    }
    refused('kill:0@5', 2, 10, [/choose slot 1\b/])
    // one peer: no slot can be churned at all
    refused('kill:0@5', 1, 10, [/a cluster of 1 peer has no other slot/, /--peers 2 or more/])
  })

  it('a slot past the last says which slots exist and that slot 0 is not among those to churn', () => {
    refused('leave:4@5', 4, 10, [/slot 4 does not exist: the slots are 0 to 3 \(--peers 4\)/, /slot 0 is the bootstrap peer, never churned: choose a slot from 1 to 3/])
    refused('restart:1@5', 1, 10, [/slot 1 does not exist: the slots are 0 to 0/, /--peers 2 or more/])
  })
})
