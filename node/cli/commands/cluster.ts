import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Command } from '../command.ts'

const SCRIPT = fileURLToPath(new URL('../../../scripts/cluster.ts', import.meta.url))

/**
 * `murmur cluster` is scripts/cluster.ts (an experiment tool, so it lives with the scripts); the CLI runs
 * it as a child process with the same Node, passing the arguments through. `murmur cluster --help` lists its options.
 */
export const clusterCommand: Command = {
  name: 'cluster',
  summary: 'start N real peer processes on 127.0.0.1 (with churn), merge their metrics, summary and plots',
  options: [],
  async run () { return 2 },
  async runRaw (argv, io) {
    // the IPC channel tells the script when this process is gone, SIGKILL included: it then stops as on SIGTERM
    const child = spawn(process.execPath, [SCRIPT, ...argv], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] })
    const forward = (sig: NodeJS.Signals) => () => { child.kill(sig) }
    const onInt = forward('SIGINT')
    const onTerm = forward('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
    try {
      return await new Promise<number>((resolve) => {
        child.on('exit', (code, signal) => {
          if (code !== null || signal === null) { resolve(code ?? 1); return }
          // the script died of the signal (SIGKILL; or one it had no handler for): it printed nothing of it, so say so here,
          // and exit as the shell's convention has it, 128 + the signal's number
          io.err(`murmur cluster: the cluster process was ended by ${signal} before it finished, so no summary was printed (and OUT/summary.json may be missing); ` +
            'its peers leave by themselves once their channel to it closes (each ends its round and checkpoints). ' +
            'To go on, restart each peer with murmur peer --resume (README, "murmur cluster")')
          resolve(128 + (constants.signals[signal] ?? 0))
        })
      })
    } finally {
      process.removeListener('SIGINT', onInt)
      process.removeListener('SIGTERM', onTerm)
    }
  }
}
