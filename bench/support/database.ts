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
      await withClient(server, async (c) => {
        const until = Date.now() + 10_000
        const connected = async () =>
          (await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])).rows[0].n > 0
        while (Date.now() < until && (await connected())) await new Promise((ok) => setTimeout(ok, 50))
      })
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      created.splice(created.indexOf(name), 1)
    },
    async settle() {
      const until = Date.now() + 60_000
      await withClient(server, async (c) => {
        const busy = async () =>
          (await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`))
            .rows[0].n > 0
        while (Date.now() < until && (await busy())) await new Promise((ok) => setTimeout(ok, 100))
        await c.query('CHECKPOINT').catch(() => {}) // superuser or pg_checkpoint only
      })
    },
    async close() {
      for (const name of created) await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await stopEmbedded()
    },
  }
}
