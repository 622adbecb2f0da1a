/**
 * `murmur`: the one command line. Dispatches to subcommands; every subcommand parses its own options
 * through node/cli/args.ts, so unknown or invalid options are errors that name the option.
 */
import { readFileSync } from 'node:fs'
import { closest, formatHelp, parseArgs, UsageError } from './args.ts'
import { describeFailure } from './command.ts'
import type { CliIO, Command } from './command.ts'
import { commands } from './commands/index.ts'

function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

function topHelp (): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4
  return [
    'Usage: murmur <command> [options]',
    '',
    'Decentralized peer-to-peer training: graph gossip, compression with error feedback, the spectral gap measured.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'murmur <command> --help' (or 'murmur help <command>') for a command's options and defaults.",
    'Options: -h, --help   this text;  --version   the version'
  ].join('\n')
}

/**
 * A reader that closed the pipe (`murmur graph --json | head -c 20`, `murmur peer | grep -m1 ...`) wants no more
 * output. The command goes on to its end with its output to that stream dropped, instead of dying on an unhandled
 * EPIPE with a stack trace (or, once the wasm backend has installed its handler, exit code 7): a peer whose log
 * reader left must not stop training or lose its checkpoint, and a short command just finishes. Node ignores
 * SIGPIPE, so this is where it is decided. Any other error of the stream stays unhandled, as before.
 */
export function ignoreClosedPipe (streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // the first write after the reader left fails with EPIPE; the stream is destroyed then, and later writes fail so
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return
      throw err
    })
  }
}

export async function main (argv: readonly string[], io: CliIO): Promise<number> {
  // `murmur help COMMAND` is `murmur COMMAND --help`
  const [name, ...rest] = argv[0] === 'help' && argv.length > 1 ? [argv[1], '--help'] : argv
  if (name == null || name === '-h' || name === '--help' || name === 'help') {
    io.out(topHelp())
    return name == null ? 2 : 0
  }
  if (name === '--version' || name === '-v') { io.out(version()); return 0 }
  const command: Command | undefined = commands.find((c) => c.name === name)
  if (command == null) {
    const hint = closest(name, commands.map((c) => c.name))
    io.err(`murmur: unknown command '${name}'${hint != null ? `; did you mean '${hint}'?` : '.'} Commands: ${commands.map((c) => c.name).join(', ')}`)
    return 2
  }
  if (command.runRaw !== undefined) return await command.runRaw(rest, io)
  try {
    const args = parseArgs(command, rest)
    if (args.help) { io.out(formatHelp(command)); return 0 }
    return await command.run(args, io)
  } catch (err: any) {
    if (err instanceof UsageError) {
      io.err(`murmur ${command.name}: ${err.message}`)
      return 2
    }
    const line = describeFailure(err)
    if (line !== undefined) {
      io.err(`murmur ${command.name}: ${line}`)
      if (process.env.MURMUR_DEBUG !== undefined && err instanceof Error) io.err(err.stack ?? '')
      return 1
    }
    throw err
  }
}

const isEntry = process.argv[1] != null && import.meta.url === new URL(`file://${process.argv[1]}`).href
if (isEntry) {
  ignoreClosedPipe()
  const io: CliIO = {
    out: (t) => { process.stdout.write(t + '\n') },
    err: (t) => { process.stderr.write(t + '\n') },
    isTTY: process.stderr.isTTY === true
  }
  main(process.argv.slice(2), io).then((code) => { process.exitCode = code }, (err) => {
    process.stderr.write(`murmur: unexpected error: ${err?.stack ?? String(err)}\n`)
    process.exitCode = 1
  })
}
