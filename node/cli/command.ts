import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { CommandSpec, ParsedArgs } from './args.ts'

/** Where a command writes: injected so tests can capture output. */
export interface CliIO {
  out: (text: string) => void
  err: (text: string) => void
  /** whether stderr is an interactive terminal (progress bars redraw in place) */
  isTTY: boolean
}

/**
 * A subcommand of `murmur`. The module that declares it stays light (no tfjs, no libp2p at import
 * time) so that `murmur --help` is instant: `run` imports what it needs.
 */
export interface Command extends CommandSpec {
  run: (args: ParsedArgs, io: CliIO) => Promise<number>
  /** set by commands implemented by a script of their own: they get argv unparsed (and parse it themselves) */
  runRaw?: (argv: readonly string[], io: CliIO) => Promise<number>
}

/** A failure the user can fix (missing data, bad file): printed without a stack trace, exit code 1. */
export class CliError extends Error {
  static override name = 'CliError'
  constructor (message: string) {
    super(message)
    this.name = 'CliError'
  }
}

/**
 * A second SIGINT/SIGTERM within this many ms of the first is the same request: a Ctrl-C in a terminal reaches
 * every process of the foreground group (murmur cluster, its script and its peers), and the cluster also
 * forwards it. Only a later one means "again: stop at once".
 */
export const SIGNAL_REPEAT_MS = 1000

/** JavaScript's own error classes: thrown by a bug, never on purpose (plain `Error` too, unless it has a system code) */
const BUG_NAMES = new Set(['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError', 'AssertionError'])
/** system error codes a user can act on: a path, a permission, a port, a full disk */
const USER_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EEXIST', 'EROFS', 'ENOSPC', 'EDQUOT', 'EMFILE', 'EADDRINUSE', 'EADDRNOTAVAIL'])

/**
 * The one line that reports a failure the user can fix, or undefined for what looks like a bug (then the
 * caller shows the stack): a CliError's message; a system error about a path, permission or port; any error
 * of a named class (murmur's errors and libp2p's are named after what went wrong).
 */
export function describeFailure (err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined
  if (err instanceof CliError) return err.message
  const code = (err as NodeJS.ErrnoException).code
  if (typeof code === 'string' && USER_CODES.has(code)) return systemFailure(err as NodeJS.ErrnoException, code)
  if (!BUG_NAMES.has(err.name) && !INTERNAL_NAME.test(err.name)) return `${err.name}: ${err.message}`
  return undefined
}

/** what a system error about a path means, in words */
const CODE_WORDS: Record<string, string> = {
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'part of the path is a file, not a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'it already exists and is not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded'
}

/** "it is a folder, not a file (EISDIR)" for a file system error, its message for any other */
export function fsReason (err: unknown): string {
  const e = err as NodeJS.ErrnoException
  const code = typeof e?.code === 'string' ? e.code : undefined
  if (code === undefined) return e instanceof Error ? e.message : String(err)
  return CODE_WORDS[code] !== undefined ? `${CODE_WORDS[code]} (${code})` : e.message
}

/**
 * Refuses, before any work, an output file path that cannot be written: a folder (suggesting `example` inside it),
 * or a path through a file or a missing folder. `flag` names the option in the message.
 */
export function checkOutFile (out: string, flag: string, example: string): void {
  if (existsSync(out) && statSync(out).isDirectory()) throw new CliError(`${flag} '${out}' is a folder; give a file path, e.g. ${join(out, example)}`)
  checkOutFolder(dirname(out), flag, out)
}

/** Refuses an output folder path that runs through a file (a folder not yet there is created later). */
export function checkOutFolder (dir: string, flag: string, target = dir): void {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(d)) {
      if (!statSync(d).isDirectory()) throw new CliError(`${flag}: '${d}' is a file, not a folder, so '${target}' cannot be created`)
      return
    }
    if (dirname(d) === d) return
  }
}

/** "'runs': it is a folder, not a file (EISDIR: illegal operation on a directory, open 'runs')" */
function systemFailure (err: NodeJS.ErrnoException, code: string): string {
  const words = CODE_WORDS[code]
  if (words === undefined) return err.message
  return `${typeof err.path === 'string' ? `'${err.path}': ` : ''}${words} (${err.message})`
}

/**
 * The CliError for libp2p's UnsupportedListenAddressesError (a --listen address that is taken, not local, or not
 * permitted), or undefined for any other error. libp2p's message lists each address with a stack trace: keep the
 * address and the system error, and say what to do. Shared by every command with a --listen flag.
 */
export function listenFailure (err: unknown): CliError | undefined {
  if (!(err instanceof Error) || err.name !== 'UnsupportedListenAddressesError') return undefined
  const failures = err.message.split('\n').map((l) => /^\s*(\/\S+): (?:Error: )?(.*)$/.exec(l)).filter((m) => m !== null).map((m) => `${m[1]}: ${m[2]}`)
  return new CliError(`cannot listen on ${failures.length > 0 ? failures.join('; ') : err.message}. ` +
    'If another process holds the port, stop it or pick another port in --listen (tcp/0 lets the system choose)')
}

/** named errors that report a broken invariant of murmur itself (an API used out of order), not a user's input */
const INTERNAL_NAME = /(State|Order|InProgress|NotStarted|NotAMember|Protocol)Error$/
