// Which nodes may run on a database: one older than the database still serves refuses to start
// and says so; one that does not migrate (MIGRATE_ON_START=false) refuses a database that is
// behind it until `npm run migrate` has run, then starts.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { databaseUrl, withClient } from '../../src/db/ensure-database.js'
import { SCHEMA_VERSION } from '../../src/db/schema-version.js'
import { createTestDatabase } from '../support/database.js'
import { startTestFaena } from '../support/faena.js'
import { waitForStatus } from '../support/jobs.js'

const adminUrl = () => process.env.FAENA_TEST_ADMIN_URL!
const migrateJs = fileURLToPath(new URL('../../src/migrate.js', import.meta.url))

t.test('a node older than the oldest version the database serves refuses to start', async (t) => {
  const url = await createTestDatabase(t)
  await withClient(url, (c) =>
    c.query('UPDATE faena_schema SET version = $1, oldest_compatible = $1', [SCHEMA_VERSION + 1]),
  )
  await t.rejects(startTestFaena(t, { databaseUrl: url }), {
    code: 'CONFIG_INVALID',
    message: `this node's schema version is ${SCHEMA_VERSION}, older than the oldest this database still serves (${SCHEMA_VERSION + 1}): a newer release has migrated it; upgrade this node`,
  })
  await withClient(url, (c) => c.query('UPDATE faena_schema SET oldest_compatible = $1', [SCHEMA_VERSION]))
  const f = await startTestFaena(t, { databaseUrl: url, config: { MIGRATE_ON_START: false } })
  t.ok(f.faena, 'a newer database that still serves this version is fine, migrating or not')
})

t.test('MIGRATE_ON_START=false: refused until npm run migrate has run, then it starts', async (t) => {
  const name = `faena_t_nomigrate_${randomBytes(6).toString('hex')}`
  await withClient(adminUrl(), (c) => c.query(`CREATE DATABASE "${name}"`))
  t.teardown(() => withClient(adminUrl(), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)))
  const url = databaseUrl(adminUrl(), name)
  await t.rejects(startTestFaena(t, { databaseUrl: url, config: { MIGRATE_ON_START: false } }), {
    message: `the database's schema is at version 0 and this node needs ${SCHEMA_VERSION}: run \`npm run migrate\` (or start with MIGRATE_ON_START=true) first`,
  })
  const { rows } = await withClient(url, (c) => c.query(`SELECT to_regclass('processing_job') IS NULL AS untouched`))
  t.same(rows[0], { untouched: true }, 'the refusing node changed nothing')

  const code = await new Promise<number | null>((done) => {
    const child = spawn(process.execPath, [migrateJs], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    child.once('exit', (c) => done(c))
  })
  t.equal(code, 0, 'npm run migrate succeeded')
  const f = await startTestFaena(t, { databaseUrl: url, config: { MIGRATE_ON_START: false } })
  const { jobId } = (await f.as('alice').post('/jobs', { type: 'noop' })).json()
  await waitForStatus(f.faena, jobId, 'COMPLETED')
})
