// A faena server in a process of its own (dist/src/server.js), for tests that kill one.
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/server-node-flags.js'
import { TEST_SECRET } from './faena.js'

export interface ServerProcess {
  child: ChildProcess
  /** http://127.0.0.1:<port> */
  base: string
  /** Every line the server wrote to stdout so far (its JSON logs). */
  lines: string[]
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>
}

const serverJs = fileURLToPath(new URL('../../src/server.js', import.meta.url))

export async function startServerProcess(
  t: Test,
  env: Record<string, string>,
  opts: { cwd?: string; serverJs?: string } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, opts.serverJs ?? serverJs], {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: {
      ...process.env,
      ...SERVER_ENV,
      JWT_SECRET: TEST_SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()))
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  t.teardown(kill)
  // The server logs one JSON line with its address once it listens.
  const lines: string[] = []
  const base = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      const address = /"address":"(http:[^"]+)"/.exec(line)?.[1]
      if (address) ok(address)
    })
    void exited.then(() =>
      fail(new Error(`the server exited (${child.exitCode ?? child.signalCode}) before listening`)),
    )
  })
  return { child, base, lines, kill }
}
