/**
 * The sending process of the goodput benchmark over a shaped link (started by goodput-link.ts inside the
 * sender's network namespace): runs runGoodputBench from here, its receiver in the other namespace, and
 * posts the result (or the error) to its parent over IPC.
 *
 *   ip netns exec <sender namespace> node scripts/bench/goodput-sender.ts '<{ opts, where } as JSON>'
 */
import { runGoodputBench } from './goodput.ts'
import type { GoodputBenchOptions, GoodputBenchResult, Placement } from './goodput.ts'
import { exitUnlessForked } from './cli.ts'

/** sender → goodput-link.ts */
export type FromSender = { kind: 'result', result: GoodputBenchResult } | { kind: 'error', message: string }

function post (m: FromSender): Promise<void> {
  return new Promise((resolve) => { process.send?.(m, undefined, {}, () => { resolve() }) })
}

exitUnlessForked('goodput-sender', 'node scripts/bench/goodput.ts --link-rate (goodput-link.ts)')
const { opts, where } = JSON.parse(process.argv[2] ?? '{}') as { opts: GoodputBenchOptions, where: Placement }
try {
  await post({ kind: 'result', result: await runGoodputBench({ ...opts, linkRate: undefined }, where) })
} catch (err) {
  await post({ kind: 'error', message: (err as Error).stack ?? String(err) })
}
process.disconnect?.()
