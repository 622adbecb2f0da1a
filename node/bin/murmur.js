#!/usr/bin/env node
// Entry point declared in package.json "bin". murmur is TypeScript run by Node's type stripping,
// which needs Node >= 22.18; npm scripts and npx put the Node 24 of the `node` devDependency first on PATH.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`murmur needs Node.js >= 22.18 (this is ${process.versions.node}). ` +
    "Run it through npx ('npx murmur ...') or npm scripts after 'npm install': they use the Node 24 installed in node_modules/.bin.\n")
  process.exit(1)
}
// transfers allocate large short-lived buffers; without this V8 runs a full GC every 64 MB of them (node/p2p/gc.ts)
const { countExternalMemoryInGlobalLimit } = await import('../p2p/gc.ts')
countExternalMemoryInGlobalLimit()
const { main, ignoreClosedPipe } = await import('../cli/main.ts')
ignoreClosedPipe()
let code
try {
  code = await main(process.argv.slice(2), {
    out: (t) => { process.stdout.write(t + '\n') },
    err: (t) => { process.stderr.write(t + '\n') },
    isTTY: process.stderr.isTTY === true
  })
} catch (err) {
  // an error no command turned into a message: a bug. Left uncaught it would surface through the wasm
  // backend's own exception handler (a stack trace pointing into TensorFlow.js, exit code 7)
  process.stderr.write(`murmur: unexpected error, please report it with this text: ${err?.stack ?? String(err)}\n`)
  code = 1
}
// A command has done all its work when it returns: its files written (records, checkpoints and snapshots are
// written synchronously, the rest awaited), its servers and libp2p node stopped. What a stopped libp2p node leaves
// behind is a 1 s timer (the address manager's debounce, armed when its listeners close), which kept a finished
// `murmur peer` up a second longer. So: wait for the output still queued on stdout and stderr, then exit.
await Promise.all([process.stdout, process.stderr].map(flushed))
process.exit(code)

/** resolves once what was written to `stream` before has been handed to the OS (at once for a closed stream) */
function flushed (stream) {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) { resolve(); return }
    stream.write('', () => { resolve() })
  })
}
