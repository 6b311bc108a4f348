// How a KPI export reads its rows from PostgreSQL: in idLog order either way, along the primary
// key when it takes a large share of the table, through the date index and a sort otherwise.
import t from 'tap'
import { KPI_COLUMNS } from '../../src/job-types/kpi-export/kpi-columns.js'
import { seedKpi } from '../../src/job-types/kpi-export/kpi-seed.js'
import {
  COUNT_ROWS,
  copyRowsAsCsv,
  filterValues,
  SET_FILTERS,
  WALK_PRIMARY_KEY,
  WALK_SHARE,
  walksPrimaryKey,
} from '../../src/job-types/kpi-export/kpi-sql.js'
import { download, startTestFaena } from '../support/faena.js'
import { waitForStatus } from '../support/jobs.js'

t.test('the walk is chosen from the share of the table, never for a table PostgreSQL has not sized', async (t) => {
  t.ok(walksPrimaryKey(1000, 1000))
  t.ok(walksPrimaryKey(WALK_SHARE * 10_000, 10_000))
  t.notOk(walksPrimaryKey(WALK_SHARE * 10_000 - 1, 10_000))
  t.notOk(walksPrimaryKey(0, 0), 'an empty table')
  t.notOk(walksPrimaryKey(1000, -1), 'never analysed')
})

t.test(
  'the walk reads the primary key without a sort, and the count sees the table size of a seeded table',
  async (t) => {
    const f = await startTestFaena(t)
    await seedKpi(f.faena.db.pool, 2000)
    const client = await f.faena.db.pool.connect()
    t.teardown(() => client.release())
    await client.query('BEGIN')
    await client.query(SET_FILTERS, filterValues({ from: '2020-01-01', to: '2020-12-31' }))
    t.same((await client.query(COUNT_ROWS)).rows[0], { n: 2000, tableRows: 2000 })
    const stats = (
      await client.query(
        `SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = 'kpi_snapshot_diario'`,
      )
    ).rows[0]
    t.ok(stats.last_vacuum && stats.last_analyze, 'seeding vacuums and analyses the table, as after any bulk load')
    const select = copyRowsAsCsv(KPI_COLUMNS).replace(/^COPY \((.*)\) TO STDOUT.*$/s, '$1')
    const plan = async () =>
      (await client.query(`EXPLAIN ${select}`)).rows.map((r) => r['QUERY PLAN'] as string).join('\n')
    t.match(await plan(), /Sort/, 'the planner alone sorts')
    await client.query(WALK_PRIMARY_KEY)
    const walk = await plan()
    t.match(walk, /Index Scan using kpi_snapshot_diario_pkey/)
    t.notMatch(walk, /Sort|Gather/, 'no sort, no parallel workers')
    await client.query('ROLLBACK')
  },
)

t.test('rows come in idLog order by either plan, also when the table is not stored in that order', async (t) => {
  const f = await startTestFaena(t)
  await seedKpi(f.faena.db.pool, 2000)
  // An update writes new row versions at the end of the table: storage order is no longer idLog's.
  await f.faena.db.pool.query('UPDATE kpi_snapshot_diario SET observacion = $1 WHERE id_log % 3 = 0', ['movido'])
  await f.faena.db.pool.query('ANALYZE kpi_snapshot_diario')
  const stored = (await f.faena.db.pool.query('SELECT id_log::int AS id FROM kpi_snapshot_diario')).rows.map(
    (r) => r.id as number,
  )
  t.notSame(
    stored,
    [...stored].sort((a, b) => a - b),
    'a sequential scan meets rows out of idLog order',
  )
  for (const [name, filters, expected] of [
    ['the whole table (walk)', { from: '2020-01-01', to: '2020-12-31' }, 2000],
    ['one branch on two days (sort)', { from: '2020-01-02', to: '2020-01-03', sucursal: 'Sucursal 05' }, 20],
  ] as const) {
    const res = await f
      .as('alice')
      .post('/jobs/kpi-export', { filters, format: 'csv', columns: ['idLog', 'observacion'] })
    const job = await waitForStatus(f.faena, res.json().jobId, 'COMPLETED')
    const lines = (await download(f, (job.result as { downloadUrl: string }).downloadUrl))
      .toString('utf8')
      .trim()
      .split('\n')
      .slice(1)
    const ids = lines.map((l) => Number(l.split(',')[0]))
    t.equal(ids.length, expected, `${name}: every row`)
    t.same(
      ids,
      [...ids].sort((a, b) => a - b),
      `${name}: in idLog order`,
    )
    t.ok(
      lines.some((l) => l.endsWith(',movido')),
      `${name}: updated rows included`,
    )
  }
})
