// `npm test` runs this (after the build): it provides the PostgreSQL the suite needs, migrates
// a template database once, then runs tap over the compiled tests. Each test file clones the
// template into a database of its own (test/support/database.ts), so files run isolated and in
// parallel. With DATABASE_URL set, that server is used (the role needs CREATEDB); otherwise an
// embedded PostgreSQL is started in a temporary directory and removed afterwards.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../../src/db/embedded-postgres.js'
import { databaseUrl, withClient } from '../../src/db/ensure-database.js'
import { migrate } from '../../src/db/migrate.js'
import { jobTypes } from '../../src/job-types/index.js'
import { ownedSchemas } from '../../src/jobs/registry.js'
import { testJobTypes } from '../processors/index.js'

export const TEMPLATE = 'faena_test_template'

async function main(): Promise<number> {
  let embedded: EmbeddedPostgresHandle | undefined
  let dataDir: string | undefined
  let adminUrl = process.env.DATABASE_URL
  if (!adminUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'faena-test-pg-'))
    embedded = await startEmbeddedPostgres({ dataDir, persistent: false })
    adminUrl = embedded.url
  }
  try {
    const templateUrl = await recreateDatabase(adminUrl, TEMPLATE)
    await migrate(templateUrl, ownedSchemas([...jobTypes, ...testJobTypes]))
    await disconnectAll(adminUrl, TEMPLATE)
    // The previous release, built once and cached, for the test that runs its nodes beside this code.
    const previousRelease = execFileSync(process.execPath, [join(process.cwd(), 'scripts', 'previous-release.mjs')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim()
    // With no arguments tap runs the `include` globs of package.json (the compiled *.test.js).
    const args = process.argv.slice(2)
    // On a terminal tap draws its own report. Otherwise (CI) its TAP output is passed through
    // and closed with one plain line, `N passed, N failed`, that any log reader understands.
    const tty = process.stdout.isTTY === true
    return await new Promise<number>((done) => {
      const tap = spawn(process.execPath, [tapBin(), ...args], {
        stdio: ['inherit', tty ? 'inherit' : 'pipe', 'inherit'],
        env: {
          ...process.env,
          FAENA_TEST_ADMIN_URL: adminUrl,
          FAENA_TEST_TEMPLATE: TEMPLATE,
          FAENA_PREVIOUS_RELEASE: previousRelease,
        },
      })
      let tail = ''
      tap.stdout?.on('data', (chunk: Buffer) => {
        process.stdout.write(chunk)
        tail = (tail + chunk.toString('utf8')).slice(-4096)
      })
      tap.on('close', (code, signal) => {
        if (!tty) console.log(summaryLine(tail, code))
        done(code ?? (signal ? 1 : 0))
      })
    })
  } finally {
    await embedded?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
}

/** From tap's closing `# { total: 158, pass: 157, fail: 1, skip: 2 }`. */
function summaryLine(tail: string, code: number | null): string {
  const summary = /# \{ total: \d+[^}]*\}/.exec(tail)?.[0]
  const count = (what: string) => Number(new RegExp(`${what}: (\\d+)`).exec(summary ?? '')?.[1] ?? 0)
  if (!summary) return `0 passed, ${code === 0 ? 0 : 1} failed`
  const skipped = count('skip') + count('todo')
  return `${count('pass')} passed, ${count('fail')} failed${skipped ? `, ${skipped} skipped` : ''}`
}

function tapBin(): string {
  return join(process.cwd(), 'node_modules', 'tap', 'dist', 'esm', 'run.mjs')
}

async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  await withClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await c.query(`CREATE DATABASE "${name}"`)
  })
  return databaseUrl(adminUrl, name)
}

/** CREATE DATABASE ... TEMPLATE refuses while anyone is connected to the template. */
async function disconnectAll(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (c) =>
    c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
      name,
    ]),
  )
}

process.exitCode = await main()
