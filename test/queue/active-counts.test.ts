// Each user's active jobs, kept by triggers (src/queue/active-counts.ts): the active-job limit
// is exact under concurrent requests to several nodes, and the counts follow every way a job
// comes, changes status and goes, whoever writes processing_job.
import t from 'tap'
import { withClient } from '../../src/db/ensure-database.js'
import { migrate } from '../../src/db/migrate.js'
import { createTestDatabase } from '../support/database.js'
import { startTestFaena } from '../support/faena.js'

/** Users whose kept count differs from their QUEUED + PROCESSING rows, with both figures. */
const DRIFT = `
SELECT user_id, kept, actual FROM (
  SELECT user_id, sum(jobs)::int AS kept FROM job_user_active GROUP BY user_id
) k FULL JOIN (
  SELECT user_id, count(*)::int AS actual FROM processing_job WHERE status IN ('QUEUED', 'PROCESSING') GROUP BY user_id
) a USING (user_id)
 WHERE COALESCE(kept, 0) <> COALESCE(actual, 0)`

const drift = (url: string) => withClient(url, async (c) => (await c.query(DRIFT)).rows)

t.test('the limit is exact under concurrent POSTs to two nodes', async (t) => {
  const url = await createTestDatabase(t)
  const config = { WORKER_CONCURRENCY: 0, MAX_ACTIVE_JOBS_PER_USER: 5, JOB_CREATION_PER_MINUTE: 1000 }
  const nodes = [
    await startTestFaena(t, { databaseUrl: url, config }),
    await startTestFaena(t, { databaseUrl: url, config }),
  ]
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, i) => nodes[i % 2]!.as('alice').post('/jobs', { type: 'noop' })),
  )
  const codes = answers.map((a) => a.statusCode)
  t.equal(codes.filter((c) => c === 202).length, 5, codes.join(' '))
  t.equal(codes.filter((c) => c === 429).length, 35)
  t.match(answers.find((a) => a.statusCode === 429)!.json(), { message: /you have 5 jobs queued or running/ })
  t.same(await drift(url), [])

  // A job that ends frees its place at once, on either node.
  const { data } = (await nodes[0]!.as('alice').get('/jobs')).json()
  t.equal((await nodes[1]!.as('alice').delete(`/jobs/${data[0].id}`)).statusCode, 204)
  const again = await Promise.all([0, 1].map((i) => nodes[i]!.as('alice').post('/jobs', { type: 'noop' })))
  t.same(again.map((a) => a.statusCode).sort(), [202, 429], 'one place, one job')
})

t.test('the counts follow every transition, whoever writes', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, MAX_ACTIVE_JOBS_PER_USER: 100_000 } })
  const sql = (text: string, values: unknown[] = []) => withClient(f.url, (c) => c.query(text, values))
  const step = async (what: string) => t.same(await drift(f.url), [], what)

  // One statement adds many jobs of several users, some of them running already.
  await sql(`INSERT INTO processing_job (id, type, user_id, parameters, status)
             SELECT 'bulk-' || g, 'noop', 'u' || (g % 3), '{}',
                    (CASE WHEN g % 4 = 0 THEN 'PROCESSING' ELSE 'QUEUED' END)::"JobStatus"
               FROM generate_series(1, 3000) g`)
  await step('a bulk INSERT')
  await sql(`UPDATE processing_job SET progress = 50 WHERE user_id = 'u1'`)
  await step('an update that changes no status')
  await sql(`UPDATE processing_job SET status = 'COMPLETED', completed_at = now() WHERE status = 'PROCESSING'`)
  await sql(`UPDATE processing_job SET status = 'CANCELLED', completed_at = now() WHERE id LIKE 'bulk-1%'`)
  await step('completions and a bulk cancel')
  t.equal((await f.as('u1').post('/jobs', { type: 'noop' })).statusCode, 202)
  const cancelled = (await sql(`SELECT id FROM processing_job WHERE user_id = 'u1' AND status = 'CANCELLED' LIMIT 1`))
    .rows[0].id
  t.equal((await f.as('u1').post(`/jobs/${cancelled}/retry`)).statusCode, 202)
  await step('an enqueue and a re-run through the API')
  await sql(`DELETE FROM processing_job WHERE user_id = 'u2' AND status = 'QUEUED' AND id LIKE 'bulk-2%'`)
  await step('a DELETE of active jobs')
  await sql('TRUNCATE processing_job CASCADE')
  await step('a TRUNCATE')
  t.equal((await f.as('u1').post('/jobs', { type: 'noop' })).statusCode, 202)
  await step('an enqueue after it')
})

t.test('creating the triggers counts the active jobs already there', async (t) => {
  const url = await createTestDatabase(t)
  await withClient(url, async (c) => {
    await c.query(`INSERT INTO processing_job (id, type, user_id, parameters)
                   SELECT 'old-' || g, 'noop', 'u' || (g % 7), '{}' FROM generate_series(1, 500) g`)
    // As a database of the release before: no counts, and the triggers never applied.
    await c.query(`DROP TRIGGER processing_job_active_insert ON processing_job`)
    await c.query('DELETE FROM job_user_active')
    await c.query(`DELETE FROM faena_sql_object WHERE name = 'processing_job_active_count'`)
  })
  t.equal((await drift(url)).length, 7, 'every user drifts before')
  const report = await migrate(url)
  t.ok(report.sqlObjects.includes('processing_job_active_count'))
  t.same(await drift(url), [], 'counted when the trigger is made')
})
