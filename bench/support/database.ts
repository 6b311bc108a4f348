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
    async close() {
      for (const name of created) await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await stopEmbedded()
    },
  }
}
