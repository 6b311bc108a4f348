// The server under a supervisor. systemd, Docker (CMD ["npm", "start"]), PM2 and CI runners
// signal the process they started: npm. The server must get that signal, shut down gracefully,
// exit 0, and leave no process behind (its embedded PostgreSQL included).
import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { freePort } from '../../src/db/embedded-postgres.js'
import { TEST_SECRET } from '../support/faena.js'
import { alive, commandLine, descendants } from '../support/processes.js'
import { waitFor } from '../support/wait.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const SHUTDOWN_TIMEOUT_MS = 10_000

t.test(
  'SIGTERM to `npm start` reaches the server: it shuts down, exits 0, and every process it started is gone',
  async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'faena-npm-start-'))
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
    chmodSync(dataDir, 0o755) // as root, PostgreSQL runs as `postgres`, which must reach DATA_DIR/postgres
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    }
    delete env.DATABASE_URL // its own embedded PostgreSQL, as on a fresh machine
    // --ignore-scripts skips prestart (the build: the suite has built already), not start itself.
    const npm = spawn('npm', ['start', '--ignore-scripts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) =>
      npm.once('exit', (code, signal) => ok({ code, signal })),
    )
    let tree: number[] = []
    t.teardown(() => {
      for (const pid of alive([npm.pid!, ...tree])) process.kill(pid, 'SIGKILL')
    })
    const lines: { msg?: string; signal?: string }[] = []
    const listening = new Promise<void>((ok, fail) => {
      createInterface({ input: npm.stdout! }).on('line', (line) => {
        if (!line.startsWith('{')) return // npm's own "> faena@0.1.0 start" lines
        const entry = JSON.parse(line) as { msg?: string }
        lines.push(entry)
        if (entry.msg === 'faena is listening') ok()
      })
      void exited.then(({ code, signal }) =>
        fail(new Error(`npm start exited (${signal ?? code}) before the server listened`)),
      )
    })
    await listening

    tree = descendants(npm.pid!)
    const commands = tree.map(commandLine)
    t.ok(
      commands.some((c) => c.includes('dist/src/server.js')),
      'the server runs under npm',
    )
    t.ok(
      commands.some((c) => /\bpostgres\b/.test(c) && !c.includes('node')),
      'and its embedded PostgreSQL',
    )

    const signalled = Date.now()
    process.kill(npm.pid!, 'SIGTERM')
    t.same(await exited, { code: 0, signal: null }, 'npm exits 0: the server it waited for exited 0')
    t.ok(
      lines.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM'),
      'the server logged its shutdown, for SIGTERM',
    )
    await waitFor(
      'every process npm start started to end, within SHUTDOWN_TIMEOUT_MS',
      async () => alive(tree).length === 0,
      SHUTDOWN_TIMEOUT_MS - (Date.now() - signalled),
    )
    t.pass('every process it started is gone')
  },
)
