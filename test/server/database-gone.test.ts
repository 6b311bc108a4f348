// Stopping while PostgreSQL is gone. There is nothing to hand back (the leases expire and another
// node takes the jobs): the server stops within seconds, not after close-with-grace's whole
// delay, leaves no process behind, and says in its log why its jobs were not handed back.
import { chmodSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { createTokenService } from '../../src/auth/tokens.js'
import { TEST_SECRET } from '../support/faena.js'
import { alive, descendants } from '../support/processes.js'
import { type ServerProcess, startServerProcess } from '../support/server-process.js'
import { sharedSetup } from '../support/shared-setup.js'
import { startTcpProxy } from '../support/tcp-proxy.js'
import { waitFor } from '../support/wait.js'

// The defaults would wait 30 s for running jobs: a stop that does is not prompt.
const SETTINGS = { SHUTDOWN_TIMEOUT_MS: '30000', CANCEL_GRACE_MS: '1000', WORKER_CONCURRENCY: '1' }
// A ping of 3 s, the thread's grace, and the rest of the stop; close-with-grace would wait 41 s.
const PROMPTLY_MS = 10_000

type LogLine = { level: number; msg?: string; event?: string; jobId?: string; jobIds?: string[] }
const logOf = (server: ServerProcess) => server.lines.map((l) => JSON.parse(l) as LogLine)

async function startLongJob(server: ServerProcess): Promise<string> {
  const res = await fetch(`${server.base}/jobs`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${createTokenService(TEST_SECRET).sign('alice')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ type: 'sleep', parameters: { ms: 600_000, steps: 600 } }),
  })
  const { jobId } = (await res.json()) as { jobId: string }
  await waitFor('the job to start', async () =>
    logOf(server).some((l) => l.event === 'job.started' && l.jobId === jobId),
  )
  return jobId
}

/** SIGTERM; resolves with the exit once the process has exited, within PROMPTLY_MS or not at all. */
async function terminate(server: ServerProcess) {
  const exited = new Promise<{ code: number | null; signal: string | null }>((ok) =>
    server.child.once('exit', (code, signal) => ok({ code, signal })),
  )
  server.child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>(
    (_, fail) =>
      (timer = setTimeout(
        () => fail(new Error(`the server had not exited ${PROMPTLY_MS} ms after SIGTERM`)),
        PROMPTLY_MS,
      )),
  )
  try {
    return await Promise.race([exited, late])
  } finally {
    clearTimeout(timer)
  }
}

function saysWhy(t: Test, server: ServerProcess, jobId: string): void {
  const lines = logOf(server)
  const why = lines.find((l) => /the database does not answer: running jobs cannot be handed back/.test(l.msg ?? ''))
  t.ok(why, 'the log says why the running jobs were not handed back')
  t.same(why?.jobIds, [jobId], 'and names them')
  t.ok(
    lines.some((l) => l.event === 'job.left' && l.jobId === jobId),
    'the job was stopped and left to its lease',
  )
}

t.test('a partition (PostgreSQL stops answering, nothing is closed): the server stops within seconds', async (t) => {
  const { url, dataDir, pool } = await sharedSetup(t, 'partition')
  const target = new URL(url)
  const proxy = await startTcpProxy(t, { host: target.hostname, port: Number(target.port) })
  const through = new URL(url)
  through.port = String(proxy.port)
  const server = await startServerProcess(t, { DATABASE_URL: through.toString(), DATA_DIR: dataDir, ...SETTINGS })
  const jobId = await startLongJob(server)

  proxy.freeze()
  t.same(await terminate(server), { code: 0, signal: null }, 'it exited 0, promptly')
  saysWhy(t, server, jobId)
  const { rows } = await pool.query(
    'SELECT status, locked_by IS NOT NULL AS locked FROM processing_job WHERE id = $1',
    [jobId],
  )
  t.same(rows[0], { status: 'PROCESSING', locked: true }, 'the job keeps its lease, for the rescue by another node')
})

t.test('the embedded PostgreSQL killed: the server stops within seconds and leaves no process behind', async (t) => {
  const { dataDir } = await sharedSetup(t, 'embedded-gone')
  chmodSync(dataDir, 0o755) // as root, PostgreSQL runs as `postgres`, which must reach DATA_DIR/postgres
  // No DATABASE_URL: the server starts its own embedded PostgreSQL under DATA_DIR.
  const server = await startServerProcess(t, { DATABASE_URL: '', DATA_DIR: dataDir, ...SETTINGS })
  const tree = descendants(server.child.pid!)
  t.teardown(() => {
    for (const pid of alive(tree)) process.kill(pid, 'SIGKILL')
  })
  const jobId = await startLongJob(server)

  const postmaster = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0])
  t.ok(tree.includes(postmaster), 'the embedded PostgreSQL is one of the processes the server started')
  process.kill(postmaster, 'SIGKILL')
  await waitFor('PostgreSQL to be gone', async () => alive([postmaster]).length === 0)
  t.same(await terminate(server), { code: 0, signal: null }, 'it exited 0, promptly')
  saysWhy(t, server, jobId)
  await waitFor('every process the server started to end', async () => alive(tree).length === 0, PROMPTLY_MS)
  t.pass('no process is left behind, the embedded PostgreSQL helper included')
})
