import { spawn } from 'node:child_process'
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
  async runRaw (argv) {
    // the IPC channel tells the script when this process is gone, SIGKILL included: it then stops as on SIGTERM
    const child = spawn(process.execPath, [SCRIPT, ...argv], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] })
    const forward = (sig: NodeJS.Signals) => () => { child.kill(sig) }
    const onInt = forward('SIGINT')
    const onTerm = forward('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
    try {
      return await new Promise<number>((resolve) => { child.on('exit', (code, signal) => { resolve(code ?? (signal !== null ? 128 : 1)) }) })
    } finally {
      process.removeListener('SIGINT', onInt)
      process.removeListener('SIGTERM', onTerm)
    }
  }
}
