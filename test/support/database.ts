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
  t.teardown(() => dropDatabase(name))
  return databaseUrl(adminUrl(), name)
}

/**
 * Drops a test's database once the test's own connections are gone. pg's pool.end() resolves
 * before its sockets are closed: forcing the drop at once would kill those connections, and
 * their 'terminating connection' errors would reach the test as uncaught. So wait for them
 * (55006: still in use) and force only what is left after a few seconds.
 */
async function dropDatabase(name: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}"`))
      return
    } catch (err) {
      if ((err as { code?: string }).code !== '55006') throw err
      await new Promise((ok) => setTimeout(ok, 30))
    }
  }
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
}
