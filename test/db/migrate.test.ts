// Migrations at start-up run in a child process of their own (migrateApart), against a real
// PostgreSQL: an empty database gets every migration, a migrated one none, and a database that
// cannot be reached is a clear error, not a hang.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { databaseUrl, withClient } from '../../src/db/ensure-database.js'
import { migrateApart, readMigrations } from '../../src/db/migrate.js'
import { queueSqlObjects } from '../../src/queue/sql-objects.js'
import { createTestDatabase } from '../support/database.js'
import { startPgBouncer } from '../support/pgbouncer.js'
import { waitFor } from '../support/wait.js'

const adminUrl = () => process.env.FAENA_TEST_ADMIN_URL!

t.test('an empty database gets every migration, in order, and the job table exists after', async (t) => {
  const name = `faena_t_empty_${randomBytes(6).toString('hex')}`
  await withClient(adminUrl(), (c) => c.query(`CREATE DATABASE "${name}"`))
  t.teardown(() => withClient(adminUrl(), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)))
  const url = databaseUrl(adminUrl(), name)
  const all = (await readMigrations()).migrationDirectories.map((d) => d.path)
  const report = await migrateApart(url)
  t.same(report.migrations, all, 'every migration, named as in prisma/migrations')
  t.same(
    report.sqlObjects,
    queueSqlObjects.map((o) => o.name),
    "then every one of the queue's functions and triggers",
  )
  const { rows } = await withClient(url, (c) =>
    c.query(
      `SELECT to_regclass('processing_job') IS NOT NULL AS there, (SELECT count(*)::int FROM _prisma_migrations WHERE finished_at IS NOT NULL) AS recorded`,
    ),
  )
  t.same(rows[0], { there: true, recorded: all.length })
})

t.test('a migrated database gets none', async (t) => {
  t.same(await migrateApart(await createTestDatabase(t)), { migrations: [], sqlObjects: [] })
})

t.test('an unreachable database is an error that says migrations failed', async (t) => {
  const url = new URL(adminUrl())
  url.port = '1' // nothing listens there
  await t.rejects(migrateApart(url.toString()), { message: /^migrations failed: / })
})

t.test(
  'through a transaction-mode pooler: an empty database is migrated, and again by several nodes at once',
  async (t) => {
    const name = `faena_t_pooled_${randomBytes(6).toString('hex')}`
    await withClient(adminUrl(), (c) => c.query(`CREATE DATABASE "${name}"`))
    t.teardown(() => withClient(adminUrl(), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)))
    const pooler = await startPgBouncer(t, adminUrl())
    const url = pooler.url(name)
    const all = (await readMigrations()).migrationDirectories.map((d) => d.path)
    // Another migrator (`prisma migrate deploy`, say) holds Prisma's migration lock: we wait for it.
    const other = new pg.Client({ connectionString: databaseUrl(adminUrl(), name) })
    await other.connect()
    await other.query('SELECT pg_advisory_lock(72707369)')
    const first = migrateApart(url)
    await waitFor('the migration to wait for the lock', async () => {
      const { rows } = await other.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      )
      return rows[0].n === 1
    })
    const { rows: before } = await other.query(`SELECT to_regclass('processing_job') IS NULL AS none`)
    t.same(before[0], { none: true }, 'nothing is applied while another migrator holds the lock')
    await other.end()
    t.same((await first).migrations, all, 'every migration, through the pooler, once the lock is free')
    // Nodes starting together: each migrates; none waits on a lock another left behind.
    const again = await Promise.all([migrateApart(url), migrateApart(url), migrateApart(url)])
    const none = { migrations: [], sqlObjects: [] }
    t.same(again, [none, none, none], 'then none, three times at once')
    const { rows } = await withClient(adminUrl(), (c) =>
      c.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = $1)`,
        [name],
      ),
    )
    t.equal(rows[0].n, 0, 'no advisory lock is left held on a pooled server connection')
  },
)
