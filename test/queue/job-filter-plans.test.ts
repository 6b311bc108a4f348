// Operators' listings stay fast on a table of many finished jobs: on a seeded table (200,000
// jobs of 101 users over 30 days, mostly COMPLETED, some FAILED with codes, a queue at the
// newest end), every filter of GET /jobs for admins, alone and combined, is planned on an index
// that returns rows in the listing's order. Checked with EXPLAIN (ANALYZE, BUFFERS): no
// sequential scan, no sort of more than a few hundred rows, a few hundred pages read at most
// (a sequential scan of this table reads thousands). The total beside a page, counted up to
// its cap, reads what it counts.
import pg from 'pg'
import t from 'tap'
import { EXACT_TOTAL_UP_TO } from '../../src/jobs/job-service.js'
import type { JobFilter } from '../../src/queue/job-filter.js'
import { countQuery, pageQuery } from '../../src/queue/list-jobs.js'
import { createTestDatabase } from '../support/database.js'

const JOBS = 200_000
const DAY = 86_400_000
const NEWEST = Date.parse('2026-12-01T00:00:00Z')

interface PlanNode {
  'Node Type': string
  'Index Name'?: string
  'Actual Rows': number
  'Actual Loops': number
  'Shared Hit Blocks': number
  'Shared Read Blocks': number
  Plans?: PlanNode[]
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)]

t.test(
  'every admin filter of GET /jobs reads an index in the listing order, a few hundred pages at most',
  async (t) => {
    const url = await createTestDatabase(t)
    const pool = new pg.Pool({ connectionString: url, max: 2 })
    t.teardown(() => pool.end())
    // Statistics come from the one ANALYZE below, not from an autovacuum that may run mid-test.
    await pool.query('ALTER TABLE processing_job SET (autovacuum_enabled = off)')
    // Ids shaped as the service makes them (UUIDv7: time first, then randomness, in lower-case
    // hex and hyphens); job g is created g * 30 days / JOBS after the oldest.
    await pool.query(
      `INSERT INTO processing_job (id, type, user_id, status, error, created_at, updated_at, completed_at)
     SELECT lpad(to_hex(g), 8, '0') || '-' || substr(md5(g::text), 1, 4) || '-7' || substr(md5(g::text), 5, 3) || '-8' || substr(md5(g::text), 8, 3) || '-' || substr(md5(g::text), 11, 12),
            CASE WHEN g % 1000 = 7 THEN 'rare-type' WHEN g % 7 = 3 THEN 'sleep' ELSE 'noop' END,
            'user' || ((g * 37) % 101),
            s.status::"JobStatus",
            CASE WHEN s.status = 'FAILED' THEN jsonb_build_object('code', CASE WHEN g % 1000 = 13 THEN 'RARE_FAILURE' ELSE 'TIMEOUT' END, 'message', 'm') END,
            to_timestamp(($2 - ($1 - g) * (30 * $3::float8 / $1)) / 1000),
            now(), now()
       FROM generate_series(1, $1) g,
            LATERAL (SELECT CASE WHEN g > $1 - 1000 THEN 'QUEUED' WHEN g % 50 = 13 THEN 'FAILED' WHEN g % 200 = 1 THEN 'CANCELLED' ELSE 'COMPLETED' END AS status) s`,
      [JOBS, NEWEST, DAY],
    )
    // ANALYZE reads a random sample of 300 x the statistics target rows: with the default (100),
    // 30,000 of these 200,000, and the estimates, so the plans, differed from run to run (one run
    // in seven sorted the queue for "status QUEUED"). A sample as large as the table makes them
    // the same every time.
    const analyzer = await pool.connect()
    await analyzer.query('SET default_statistics_target = 1000')
    await analyzer.query('VACUUM ANALYZE processing_job')
    await analyzer.query('RESET default_statistics_target')
    analyzer.release()
    const {
      rows: [{ pages }],
    } = await pool.query(`SELECT relpages AS pages FROM pg_class WHERE relname = 'processing_job'`)
    t.ok(pages > 3000, `the table spans ${pages} pages: a sequential scan would read them all`)

    const anId = (
      await pool.query(`SELECT id FROM processing_job WHERE created_at < $1 ORDER BY created_at DESC LIMIT 1`, [
        new Date(NEWEST - 10 * DAY),
      ])
    ).rows[0].id as string
    const cases: Array<[string, JobFilter]> = [
      ['no filter', {}],
      ['status FAILED', { status: 'FAILED' }],
      ['status CANCELLED', { status: 'CANCELLED' }],
      ['status COMPLETED', { status: 'COMPLETED' }],
      ['status QUEUED', { status: 'QUEUED' }],
      ['type', { type: 'sleep' }],
      ['type, FAILED', { type: 'sleep', status: 'FAILED' }],
      ['rare type', { type: 'rare-type' }],
      ['user', { userId: 'user42' }],
      ['user, FAILED', { userId: 'user42', status: 'FAILED' }],
      [
        'user, dates',
        { userId: 'user42', createdAfter: new Date(NEWEST - 12 * DAY), createdBefore: new Date(NEWEST - 11 * DAY) },
      ],
      ['dates', { createdAfter: new Date(NEWEST - 12 * DAY), createdBefore: new Date(NEWEST - 11 * DAY) }],
      [
        'dates, FAILED',
        { createdAfter: new Date(NEWEST - 12 * DAY), createdBefore: new Date(NEWEST - 11 * DAY), status: 'FAILED' },
      ],
      ['error code', { errorCode: 'TIMEOUT' }],
      ['rare error code', { errorCode: 'RARE_FAILURE' }],
      ['error code, type', { errorCode: 'RARE_FAILURE', type: 'noop' }],
      ['id prefix', { idPrefix: anId.slice(0, 6) }],
      ['whole id', { idPrefix: anId }],
    ]
    const explain = async (q: { text: string; values: unknown[] }) =>
      (await pool.query({ text: `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.text}`, values: q.values })).rows[0][
        'QUERY PLAN'
      ][0].Plan as PlanNode
    for (const [name, filter] of cases) {
      // The total beside a page, exact up to the cap: it reads what it counts (index pages and at
      // most a heap page a row, under the cap), never the table.
      const count = await explain(countQuery(filter, EXACT_TOTAL_UP_TO))
      const counted = nodes(count).find((n) => n['Node Type'] === 'Limit')!['Actual Rows']
      const countPages = count['Shared Hit Blocks'] + count['Shared Read Blocks']
      const countShape = nodes(count)
        .map((n) => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''} (${n['Actual Rows']})`)
        .join(' > ')
      t.notOk(
        nodes(count).some((n) => n['Node Type'] === 'Seq Scan'),
        `${name}, counted: no sequential scan: ${countShape}`,
      )
      t.ok(
        countPages <= 2 * counted + 300,
        `${name}, counted up to ${EXACT_TOTAL_UP_TO}: ${countPages} pages read for ${counted} rows: ${countShape}`,
      )
      for (const at of [
        { after: null, offset: 0, limit: 51 },
        { after: { createdAt: new Date(NEWEST - 20 * DAY), id: 'ffffffff' }, offset: 0, limit: 51 },
      ]) {
        const q = pageQuery(filter, at)
        const plan = await explain(q)
        const all = nodes(plan)
        const label = `${name}${at.after ? ', after a cursor' : ''}`
        const shape = all
          .map((n) => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''} (${n['Actual Rows']})`)
          .join(' > ')
        t.notOk(
          all.some((n) => n['Node Type'] === 'Seq Scan'),
          `${label}: no sequential scan: ${shape}`,
        )
        const sorted = all.filter((n) => n['Node Type'] === 'Sort').map((n) => n.Plans?.[0]?.['Actual Rows'] ?? 0)
        t.ok(
          sorted.every((n) => n <= 500),
          `${label}: sorts at most 500 rows: ${shape}`,
        )
        const pagesRead = plan['Shared Hit Blocks'] + plan['Shared Read Blocks']
        t.ok(pagesRead <= 400, `${label}: ${pagesRead} pages read: ${shape}`)
        const got = (await pool.query(q)).rows
        if (name === 'whole id' && !at.after)
          t.same(
            got.map((r) => r.id),
            [anId],
            'a whole id finds that job',
          )
        if (name === 'id prefix' && !at.after)
          t.ok(
            got.length > 0 && got.length === 51 && got.every((r) => r.id.startsWith(anId.slice(0, 6))),
            'a prefix finds jobs that start with it',
          )
      }
    }
  },
)
