// A database of the test's own, cloned from the migrated template (test/support/run-suite.ts),
// dropped when the test ends.
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import type { Test } from 'tap'
import { databaseUrl, withClient } from '../../src/db/ensure-database.js'

function adminUrl(): string {
  const url = process.env.FAENA_TEST_ADMIN_URL
  if (!url) throw new Error('run the suite with `npm test` (it provides FAENA_TEST_ADMIN_URL)')
  return url
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(adminUrl(), fn)

export async function createTestDatabase(t: Test): Promise<string> {
  const name = `faena_t_${randomBytes(6).toString('hex')}`
  const template = process.env.FAENA_TEST_TEMPLATE ?? 'faena_test_template'
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`))
      break
    } catch (err) {
      // 55006: another file is cloning the template at this instant; try again.
      if ((err as { code?: string }).code !== '55006' || attempt >= 50) throw err
      await new Promise((ok) => setTimeout(ok, 20 + Math.random() * 80))
    }
  }
  t.teardown(() => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined))
  return databaseUrl(adminUrl(), name)
}
