// A throw-away database for a benchmark: a fresh database on DATABASE_URL's server when it is
// set (its role needs CREATEDB), else a temporary embedded PostgreSQL. Dropped afterwards.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js'
import { databaseUrl, withClient } from '../../src/db/ensure-database.js'

export interface BenchServer {
  /** URL of a new, empty database of the benchmark's own. */
  newDatabase(): Promise<string>
  /** Drops a database newDatabase() made, once measured: nothing is left for autovacuum to do in it. */
  dropDatabase(url: string): Promise<void>
  /**
   * Waits until no autovacuum worker runs (at most 60 s), then asks for a CHECKPOINT (where the
   * role may): the next system measured starts on a quiet server, not in the wake of the last.
   */
  settle(): Promise<void>
  close(): Promise<void>
}

export async function openBenchServer(): Promise<BenchServer> {
  let adminUrl = process.env.DATABASE_URL
  let stopEmbedded = async () => {}
  if (!adminUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'faena-bench-pg-'))
    const embedded = await startEmbeddedPostgres({ dataDir, persistent: false })
    adminUrl = embedded.url
    stopEmbedded = async () => {
      await embedded.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  const server = adminUrl
  const created: string[] = []
  const admin = (sql: string) => withClient(server, (c) => c.query(sql))
  /** Polls `count` (a query answering `n`) every 50 ms until it is 0, for at most `withinMs`. */
  const untilNone = (count: string, values: unknown[], withinMs: number) =>
    withClient(server, async (c) => {
      const until = Date.now() + withinMs
      while (Date.now() < until && (await c.query(count, values)).rows[0].n > 0)
        await new Promise((ok) => setTimeout(ok, 50))
    })
  return {
    async newDatabase() {
      const name = `faena_bench_${randomBytes(4).toString('hex')}`
      await admin(`CREATE DATABASE "${name}"`)
      created.push(name)
      return databaseUrl(server, name)
    },
    async dropDatabase(url: string) {
      const name = new URL(url).pathname.slice(1)
      if (!created.includes(name)) throw new Error(`not a database of this bench: ${name}`)
      // A system's pools may still be ending (a peer's stop() resolves before its pool has
      // closed): cutting their connections would fail them in this process. Wait up to 10 s.
      await untilNone('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name], 10_000)
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      created.splice(created.indexOf(name), 1)
    },
    async settle() {
      await untilNone(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`,
        [],
        60_000,
      )
      await admin('CHECKPOINT').catch(() => {}) // superuser or pg_checkpoint only
    },
    async close() {
      for (const name of created) await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await stopEmbedded()
    },
  }
}
