// The operators' console (/admin) in a real browser (headless Chromium): an admin filters every
// user's jobs, opens a failed one (its error code, its webhook delivery), runs it again,
// cancels every queued job of a filter after a dry run told the count, and pauses and resumes
// a job type. A user's token is refused. Screenshots go to test-output/screenshots/.
import t from 'tap'
import { openBrowser, screenshot } from '../support/browser.js'
import { startListeningTestFaena } from '../support/faena.js'

t.test('the console, end to end in Chromium', async (t) => {
  // No worker threads: jobs stay where the test puts them.
  const { f, base } = await startListeningTestFaena(t, { WORKER_CONCURRENCY: 0, WEBHOOK_ALLOW_PRIVATE: true })
  const db = f.faena.db.pool
  const alice: string[] = []
  for (let i = 0; i < 3; i++)
    alice.push((await f.as('alice').post('/jobs', { type: 'noop', parameters: { n: i } })).json().jobId as string)
  const failed = (
    await f.as('bob').post('/jobs', { type: 'noop', parameters: { n: 9 }, callbackUrl: 'http://127.0.0.1:9/hook' })
  ).json().jobId as string
  await db.query(
    `UPDATE processing_job SET status = 'FAILED', attempts = 1, completed_at = now(), error = jsonb_build_object('code', 'TIMEOUT', 'message', 'ran past its 5 s') WHERE id = $1`,
    [failed],
  )

  const browser = await openBrowser(t)
  const page = await (await browser.newContext({ viewport: { width: 1300, height: 1000 } })).newPage()
  page.setDefaultTimeout(20_000)
  const jobRows = page.locator('#jobs tbody tr')
  const idsShown = async () =>
    (await Promise.all((await jobRows.all()).map((r) => r.getAttribute('data-job-id')))).sort()

  await t.test("a user's token is refused; an admin's opens the console", async (t) => {
    await page.goto(`${base}/admin`)
    await page.fill('#token', f.token('alice'))
    await page.click('#token-form button[type=submit]')
    await page.locator('#sign-in-error', { hasText: "not an admin's" }).waitFor()
    t.equal(await page.locator('#console').isHidden(), true)
    await page.fill('#token', f.token('ops', { admin: true }))
    await page.click('#token-form button[type=submit]')
    await page.locator('#console').waitFor()
    t.equal(await page.locator('#who').textContent(), 'signed in as ops (admin)')
    // The listing arrives after the console shows: wait for its total, then count its rows.
    await page.locator('#total', { hasText: /^4 jobs$/ }).waitFor()
    t.equal(await jobRows.count(), 4, "every user's jobs")
    t.equal(await page.locator('#types tr[data-type="noop"] td').nth(1).textContent(), '3', 'noop: 3 queued')
    t.equal(await page.locator('#history .hour').count(), 24)
    t.equal(await page.locator('#history .bar').last().getAttribute('data-total'), '4', 'this hour: 4 jobs created')
  })

  await t.test('filter by status, error code and user', async (t) => {
    await page.selectOption('#filter-form select[name=status]', 'FAILED')
    await page.click('#filter-form button[type=submit]')
    await page.locator('#total', { hasText: /^1 job$/ }).waitFor()
    t.same(await idsShown(), [failed])
    await page.selectOption('#filter-form select[name=status]', '')
    await page.fill('#filter-form input[name=q]', 'TIMEOUT')
    await page.click('#filter-form button[type=submit]')
    await page.locator('#total', { hasText: /^1 job$/ }).waitFor()
    t.same(await idsShown(), [failed], 'by error code')
    await page.fill('#filter-form input[name=q]', alice[1]!.slice(0, 20))
    await page.click('#filter-form button[type=submit]')
    await page.locator('#total', { hasText: /^1 job$/ }).waitFor()
    t.same(await idsShown(), [alice[1]], 'by id prefix')
    await page.fill('#filter-form input[name=q]', '')
    await page.fill('#filter-form input[name=userId]', 'alice')
    await page.click('#filter-form button[type=submit]')
    await page.locator('#total', { hasText: /^3 jobs$/ }).waitFor()
    t.same(await idsShown(), [...alice].sort())
    await screenshot(t, page, 'console-filtered')
  })

  await t.test('open the failed job: its error and webhook; run it again', async (t) => {
    await page.fill('#filter-form input[name=userId]', '')
    await page.selectOption('#filter-form select[name=status]', 'FAILED')
    await page.click('#filter-form button[type=submit]')
    await page.locator('#total', { hasText: /^1 job$/ }).waitFor()
    await page.click(`#jobs tr[data-job-id="${failed}"]`)
    const detail = page.locator(`#detail[data-job-id="${failed}"]`)
    await detail.waitFor()
    t.equal(await detail.locator('.status').textContent(), 'FAILED')
    t.match(await detail.locator('.failure').textContent(), /"code": "TIMEOUT"/)
    t.match(await detail.locator('.facts').textContent(), /callbackhttp:\/\/127\.0\.0\.1:9\/hook/)
    t.match(await detail.locator('.facts').textContent(), /webhook(pending|failed|delivered)/, 'its webhook delivery')
    t.match(await detail.locator('.parameters').textContent(), /"n": 9/)
    await screenshot(t, page, 'console-failed-job')
    await detail.locator('button.retry').click()
    await detail.locator('.status', { hasText: 'QUEUED' }).waitFor()
    t.match(await detail.locator('.runs').textContent(), /"status": "FAILED"/, 'its earlier run shown')
    t.equal(await detail.locator('button.retry').isHidden(), true)
    t.equal((await db.query('SELECT status FROM processing_job WHERE id = $1', [failed])).rows[0].status, 'QUEUED')
    await page.locator('#total', { hasText: /^0 jobs$/ }).waitFor()
  })

  await t.test("bulk-cancel a filter's queued jobs after a dry run told how many", async (t) => {
    await page.selectOption('#filter-form select[name=status]', 'QUEUED')
    await page.fill('#filter-form input[name=userId]', 'alice')
    await page.click('#filter-form button[type=submit]')
    await page.locator('#total', { hasText: /^3 jobs$/ }).waitFor()
    await page.selectOption('#bulk-form select[name=action]', 'cancel')
    await page.click('#bulk-form button[type=submit]')
    await page.locator('#bulk-count', { hasText: '3 jobs match. Cancel them?' }).waitFor()
    t.equal(
      (await db.query(`SELECT count(*)::int AS n FROM processing_job WHERE status = 'QUEUED'`)).rows[0].n,
      4,
      'the count changed nothing',
    )
    await screenshot(t, page, 'console-bulk-confirm')
    await page.click('#bulk-go')
    await page.locator('#bulk-status', { hasText: '3 of 3 jobs cancelled' }).waitFor()
    const { rows } = await db.query(`SELECT user_id, status::text FROM processing_job ORDER BY user_id, status`)
    t.same(
      rows,
      [...alice.map(() => ({ user_id: 'alice', status: 'CANCELLED' })), { user_id: 'bob', status: 'QUEUED' }],
      "only the filter's jobs",
    )
    await page.locator('#total', { hasText: /^0 jobs$/ }).waitFor()
  })

  await t.test('pause and resume a job type', async (t) => {
    const noop = page.locator('#types tr[data-type="noop"]')
    await noop.locator('button.pause', { hasText: 'Pause' }).click()
    await noop.locator('td.paused', { hasText: 'paused by ops' }).waitFor()
    const paused = async () =>
      (await f.as('ops', { admin: true }).get('/job-types'))
        .json()
        .data.find((x: { type: string }) => x.type === 'noop').paused
    t.equal(await paused(), true)
    await screenshot(t, page, 'console-type-paused')
    await noop.locator('button.pause', { hasText: 'Resume' }).click()
    await noop.locator('td', { hasText: 'running' }).waitFor()
    t.equal(await paused(), false)
  })
})

t.test('a fresh development server offers the console its development admin token', async (t) => {
  const { base } = await startListeningTestFaena(t, { JWT_SECRET: undefined, WORKER_CONCURRENCY: 0 })
  const browser = await openBrowser(t)
  const page = await browser.newPage()
  await page.goto(`${base}/admin`)
  await page.click('#dev-token')
  await page.locator('#console').waitFor()
  t.equal(await page.locator('#who').textContent(), 'signed in as dev (admin)')
})
