import { main } from '../../../node/cli/main.ts'

/** Runs the murmur CLI in-process and captures what it prints. */
export async function runCli (argv: string[]): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await main(argv, { out: (t) => { out += t + '\n' }, err: (t) => { err += t + '\n' }, isTTY: false })
  return { code, out, err }
}
