// For tests with several processes on one database: the database, a data directory they share,
// and a small pool of the test's own to look at the rows; all removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { Test } from 'tap'
import { createTestDatabase } from './database.js'

export async function sharedSetup(t: Test, name: string): Promise<{ url: string; dataDir: string; pool: pg.Pool }> {
  const url = await createTestDatabase(t)
  const dataDir = mkdtempSync(join(tmpdir(), `faena-${name}-`))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  t.teardown(() => pool.end())
  return { url, dataDir, pool }
}
