// The web page in a real browser (headless Chromium): sign in, upload a DKT file and watch it
// import, see its problems, undo its lote, export KPIs and download the file, cancel a running
// job, leave and come back to a job still running, and be told once when it ends.

import { readFile } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import t from 'tap'
import { seedKpi } from '../../src/job-types/kpi-export/kpi-seed.js'
import { openBrowser, screenshot } from '../support/browser.js'
import { csvBytes, dktRow, HEADER } from '../support/dkt-files.js'
import { startListeningTestFaena, startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { waitForStatus } from '../support/jobs.js'

t.test('the page, end to end in Chromium', async (t) => {
  const gates = openGates(t)
  const { f, base } = await startListeningTestFaena(t)
  await seedKpi(f.faena.db.pool, 2000)

  const browser = await openBrowser(t)
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  page.on('dialog', (d) => void d.accept())
  const row = (type: string, n = 0) => page.locator('li.job', { hasText: type }).nth(n)
  const rowOf = (jobId: string) => page.locator(`li.job[data-job-id="${jobId}"]`)
  const toasts = () => page.locator('.toast').allTextContents()

  await t.test('sign in with a pasted token (no development token where JWT_SECRET is set)', async (t) => {
    await page.goto(base)
    t.equal(await page.locator('#dev-token').isHidden(), true)
    await page.fill('#token', 'not-a-token')
    await page.click('#token-form button[type=submit]')
    await page.locator('#sign-in-error', { hasText: 'refused' }).waitFor()
    await page.fill('#token', f.token('alice'))
    await page.click('#token-form button[type=submit]')
    await page.locator('#app').waitFor()
    t.equal(await page.locator('#who').textContent(), 'signed in as alice')
  })

  let importId = ''
  await t.test('upload a DKT file: the job appears, reaches COMPLETED live, with its problems', async (t) => {
    const bad = ['4507990000009999', '31/02/2026', 'X', 'Z1', '', '1,00', 'ARS', '']
    const file = csvBytes([HEADER, ...Array.from({ length: 300 }, (_, i) => dktRow(i)), bad])
    await page.setInputFiles('#dkt-file', { name: 'marzo.csv', mimeType: 'text/csv', buffer: file })
    await page.selectOption('#import-form select[name=onError]', 'skip')
    await page.click('#import-form button[type=submit]')
    await page.locator('#upload-status', { hasText: 'uploaded; importing' }).waitFor()
    await row('dkt-import').locator('.status', { hasText: 'COMPLETED' }).waitFor()
    importId = (await row('dkt-import').getAttribute('data-job-id'))!
    t.match(
      await row('dkt-import').locator('.outcome').textContent(),
      /^300 rows imported into lote \S+, 1 invalid rows skipped/,
    )
    t.match(await row('dkt-import').locator('.problems-table').textContent(), /fecha.*31\/02\/2026/)
    t.equal(await row('dkt-import').locator('progress').getAttribute('value'), '100')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row('dkt-import').locator('button.problems').click(),
    ])
    const csv = await readFile((await download.path())!, 'utf8')
    t.match(csv, /31\/02\/2026/, 'the problems CSV downloads')
    await screenshot(t, page, 'page-import-completed')
  })

  await t.test('export KPIs with date filters and download the XLSX', async (t) => {
    await page.fill('#export-form input[name=from]', '2020-01-01')
    await page.fill('#export-form input[name=to]', '2020-01-05')
    await page.selectOption('#export-form select[name=format]', 'xlsx')
    await page.click('#export-form button[type=submit]')
    await page.locator('#export-status', { hasText: 'started' }).waitFor()
    await row('kpi-export').locator('.status', { hasText: 'COMPLETED' }).waitFor()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row('kpi-export').locator('button.download').click(),
    ])
    t.equal(download.suggestedFilename(), 'kpi_2020-01-01_2020-01-05.xlsx')
    t.match(
      await row('kpi-export').locator('.outcome').textContent(),
      /kpi_2020-01-01_2020-01-05\.xlsx: 1000 rows, [\d.]+ KB/,
    )
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile((await download.path())!)
    t.equal(workbook.worksheets[0]!.rowCount, 1 + 5 * 200, 'a header and 200 rows a day for 5 days')
    await screenshot(t, page, 'page-export-completed')
  })

  await t.test('cancel a running job from the page', async (t) => {
    const jobId = (
      await f.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'page-cancel', progressAt: 30 } })
    ).json().jobId as string
    await gates.next('page-cancel', 'started')
    await page.reload()
    await rowOf(jobId).locator('.status', { hasText: 'PROCESSING' }).waitFor()
    t.equal(await rowOf(jobId).locator('.percent').textContent(), '30% (30 of 100)')
    await rowOf(jobId).locator('button.cancel').click()
    await rowOf(jobId).locator('.status', { hasText: 'CANCELLED' }).waitFor()
    t.equal(await rowOf(jobId).locator('button.cancel').isHidden(), true)
    await waitForStatus(f.faena, jobId, 'CANCELLED')
  })

  await t.test('leave and come back: the running job is followed again, and its end is told once', async (t) => {
    const jobId = (
      await f.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'page-resume', progressAt: 10 } })
    ).json().jobId as string
    await gates.next('page-resume', 'started')
    await page.reload()
    await rowOf(jobId).locator('.status', { hasText: 'PROCESSING' }).waitFor()
    await page.goto('about:blank') // the user leaves
    await page.goto(base) // and comes back: signed in from storage, following again
    await rowOf(jobId).locator('.status', { hasText: 'PROCESSING' }).waitFor()
    gates.finish('page-resume')
    await rowOf(jobId).locator('.status', { hasText: 'COMPLETED' }).waitFor()
    const suffix = jobId.slice(-6)
    await page.locator('.toast', { hasText: suffix }).waitFor()
    t.equal((await toasts()).filter((x) => x.includes(suffix)).length, 1, 'told once')
    await screenshot(t, page, 'page-job-finished-toast')
    await page.reload()
    await rowOf(jobId).locator('.status', { hasText: 'COMPLETED' }).waitFor()
    t.equal((await toasts()).filter((x) => x.includes(suffix)).length, 0, 'and not again after coming back')
  })

  await t.test('run a cancelled job again from the page: it is followed to its end', async (t) => {
    const jobId = (await f.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'page-rerun' } })).json()
      .jobId as string
    await f.as('alice').delete(`/jobs/${jobId}`)
    await waitForStatus(f.faena, jobId, 'CANCELLED')
    await page.reload()
    await rowOf(jobId).locator('.status', { hasText: 'CANCELLED' }).waitFor()
    await rowOf(jobId).locator('button.rerun').click()
    await gates.next('page-rerun', 'started')
    await rowOf(jobId).locator('.status', { hasText: 'PROCESSING' }).waitFor()
    t.equal(await rowOf(jobId).locator('button.rerun').isHidden(), true)
    t.match(await rowOf(jobId).locator('.outcome').textContent(), /run again once; before: cancelled \(CANCELLED\)/)
    gates.finish('page-rerun')
    await rowOf(jobId).locator('.status', { hasText: 'COMPLETED' }).waitFor()
    await screenshot(t, page, 'page-job-run-again')
  })

  await t.test('schedules: listed, paused, resumed, deleted', async (t) => {
    const s = (
      await f.as('alice').post('/schedules', {
        name: 'weekly noop',
        cron: '0 7 * * 1',
        timezone: 'America/Argentina/Buenos_Aires',
        job: { type: 'noop' },
      })
    ).json()
    await page.reload()
    const item = () => page.locator(`li.schedule[data-schedule-id="${s.id}"]`)
    await item().waitFor()
    t.match(await item().textContent(), /weekly noop\s+noop\s+0 7 \* \* 1 \(America\/Argentina\/Buenos_Aires\)\s+next /)
    await item().locator('button.pause', { hasText: 'Pause' }).click()
    await page.locator(`li.schedule[data-schedule-id="${s.id}"][data-paused="true"]`).waitFor()
    t.equal((await f.as('alice').get(`/schedules/${s.id}`)).json().paused, true)
    await screenshot(t, page, 'page-schedule-paused')
    await item().locator('button.pause', { hasText: 'Resume' }).click()
    await page.locator(`li.schedule[data-schedule-id="${s.id}"][data-paused="false"]`).waitFor()
    await item().locator('button.delete').click()
    await item().waitFor({ state: 'detached' })
    t.equal((await f.as('alice').get(`/schedules/${s.id}`)).statusCode, 404)
  })

  await t.test('undo the lote of the import', async (t) => {
    await rowOf(importId).locator('button.undo').click()
    await rowOf(importId).locator('.outcome', { hasText: 'This lote has been undone.' }).waitFor()
    t.equal(await rowOf(importId).locator('button.undo').isHidden(), true)
    t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM lote')).rows[0].n, 0)
    await screenshot(t, page, 'page-lote-undone')
  })
})

t.test('a fresh development server offers its development token; the page signs in with it', async (t) => {
  const f = await startTestFaena(t, { config: { JWT_SECRET: undefined } })
  const base = await f.faena.app.listen({ port: 0, host: '127.0.0.1' })
  const browser = await openBrowser(t)
  const page = await browser.newPage()
  await page.goto(base)
  await page.click('#dev-token')
  await page.locator('#app').waitFor()
  t.equal(await page.locator('#who').textContent(), 'signed in as dev')
})

t.test('the development token: none where JWT_SECRET is set, and never to another machine', async (t) => {
  const withSecret = await startTestFaena(t)
  t.equal(
    (await withSecret.faena.app.inject({ method: 'GET', url: '/dev-token', remoteAddress: '127.0.0.1' })).statusCode,
    404,
  )
  const dev = await startTestFaena(t, { config: { JWT_SECRET: undefined } })
  const local = await dev.faena.app.inject({ method: 'GET', url: '/dev-token', remoteAddress: '127.0.0.1' })
  t.equal(local.statusCode, 200)
  t.equal((await dev.faena.tokens.verify(local.json().token)).userId, 'dev')
  t.equal((await dev.faena.tokens.verify(local.json().token)).admin, false)
  const admin = await dev.faena.app.inject({ method: 'GET', url: '/dev-token?admin=true', remoteAddress: '127.0.0.1' })
  t.same(
    await dev.faena.tokens.verify(admin.json().token),
    { userId: 'dev', admin: true, role: 'admin' },
    "the console's asks for an admin's",
  )
  t.equal(
    (await withSecret.faena.app.inject({ method: 'GET', url: '/dev-token?admin=true', remoteAddress: '127.0.0.1' }))
      .statusCode,
    404,
  )
  t.equal(
    (await dev.faena.app.inject({ method: 'GET', url: '/dev-token', remoteAddress: '192.168.1.20' })).statusCode,
    404,
    'not to the LAN',
  )
})
