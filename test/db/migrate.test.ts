// Migrations at start-up run in a child process of their own (migrateApart), against a real
// PostgreSQL: an empty database gets every migration, a migrated one none, and a database that
// cannot be reached is a clear error, not a hang.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { databaseUrl, withClient } from '../../src/db/ensure-database.js'
import { migrateApart, readMigrations } from '../../src/db/migrate.js'
import { createTestDatabase } from '../support/database.js'

const adminUrl = () => process.env.FAENA_TEST_ADMIN_URL!

t.test('an empty database gets every migration, in order, and the job table exists after', async (t) => {
  const name = `faena_t_empty_${randomBytes(6).toString('hex')}`
  await withClient(adminUrl(), (c) => c.query(`CREATE DATABASE "${name}"`))
  t.teardown(() => withClient(adminUrl(), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)))
  const url = databaseUrl(adminUrl(), name)
  const all = (await readMigrations()).migrationDirectories.map((d) => d.path)
  t.same(await migrateApart(url), all, 'every migration, named as in prisma/migrations')
  const { rows } = await withClient(url, (c) => c.query(`SELECT to_regclass('processing_job') IS NOT NULL AS there, (SELECT count(*)::int FROM _prisma_migrations WHERE finished_at IS NOT NULL) AS recorded`))
  t.same(rows[0], { there: true, recorded: all.length })
})

t.test('a migrated database gets none', async (t) => {
  t.same(await migrateApart(await createTestDatabase(t)), [])
})

t.test('an unreachable database is an error that says migrations failed', async (t) => {
  const url = new URL(adminUrl())
  url.port = '1' // nothing listens there
  await t.rejects(migrateApart(url.toString()), { message: /^migrations failed: / })
})
