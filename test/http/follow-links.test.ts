// Follow links: every job-creating route answers with a followUrl whose token reads that job
// (GET and its events) and nothing else; the page opens it and follows the job live.
import t from 'tap'
import { createFollowLinks } from '../../src/auth/follow-links.js'
import { openBrowser } from '../support/browser.js'
import { startListeningTestFaena, startTestFaena, TEST_SECRET } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { waitForStatus } from '../support/jobs.js'

const tokenOf = (followUrl: string) => new URL(followUrl).hash.replace(/^#follow=/, '')

t.test('a follow link reads its job, GET and events, and nothing else', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1, PUBLIC_URL: 'https://jobs.example.org' } })
  const created = (await f.as('alice').post('/jobs', { type: 'noop' })).json()
  t.match(created.followUrl, /^https:\/\/jobs\.example\.org\/#follow=fl_[\w-]+\.[\w-]+$/)
  const token = tokenOf(created.followUrl)
  const other = (await f.as('alice').post('/jobs', { type: 'noop' })).json().jobId as string
  await waitForStatus(f.faena, created.jobId, 'COMPLETED')
  const withLink = (method: 'GET' | 'POST' | 'DELETE', url: string) =>
    f.faena.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } })

  const job = await withLink('GET', `/jobs/${created.jobId}`)
  t.equal(job.statusCode, 200)
  t.match(job.json(), { id: created.jobId, userId: 'alice', status: 'COMPLETED' })
  const events = await withLink('GET', `/jobs/${created.jobId}/events`)
  t.equal(events.statusCode, 200)
  t.match(events.body, /event: job\ndata: \{.*"status":"COMPLETED"/)

  for (const [method, url] of [
    ['GET', `/jobs/${other}`],
    ['GET', `/jobs/${other}/events`],
    ['GET', '/jobs'],
    ['DELETE', `/jobs/${created.jobId}`],
    ['POST', `/jobs/${created.jobId}/retry`],
    ['GET', `/jobs/${created.jobId}/download`],
    ['GET', '/schedules'],
    ['GET', '/stats'],
  ] as const)
    t.equal((await withLink(method, url)).statusCode, 401, `${method} ${url}`)
})

t.test('a forged, altered or expired link is refused; a re-run answers with a new one', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const created = (await f.as('alice').post('/jobs', { type: 'noop' })).json()
  t.match(created.followUrl, /^http:\/\/localhost:80\/#follow=fl_/, "without PUBLIC_URL: the request's origin")
  const token = tokenOf(created.followUrl)
  const get = (tok: string) =>
    f.faena.app.inject({ method: 'GET', url: `/jobs/${created.jobId}`, headers: { authorization: `Bearer ${tok}` } })
  const [payload, sig] = token.slice(3).split('.')
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
  const other = Buffer.from(JSON.stringify({ ...claims, u: 'mallory' })).toString('base64url')
  const bad = {
    'another owner, same signature': `fl_${other}.${sig}`,
    'signed with another secret': createFollowLinks('another-secret-another-secret-0123456789', 60).sign({
      jobId: created.jobId,
      userId: 'alice',
    }).token,
    expired: createFollowLinks(TEST_SECRET, -1).sign({ jobId: created.jobId, userId: 'alice' }).token,
    'no signature': `fl_${payload}`,
  }
  for (const [what, tok] of Object.entries(bad)) t.equal((await get(tok)).statusCode, 401, what)
  t.equal((await get(token)).statusCode, 200)

  await f.as('alice').delete(`/jobs/${created.jobId}`)
  const rerun = (await f.as('alice').post(`/jobs/${created.jobId}/retry`)).json()
  t.match(rerun.followUrl, /#follow=fl_/)
})

t.test('the page opens a follow link: the job, live, with nothing to act with', async (t) => {
  const gates = openGates(t)
  const { f, base } = await startListeningTestFaena(t)
  const created = (await f.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'follow-link' } })).json()
  await gates.next('follow-link', 'started')
  const browser = await openBrowser(t)
  const page = await browser.newPage()
  page.setDefaultTimeout(20_000)
  t.ok(created.followUrl.startsWith(`${base}/#follow=`), 'the link starts at PUBLIC_URL')
  await page.goto(created.followUrl)
  const row = page.locator(`li.job[data-job-id="${created.jobId}"]`)
  await row.locator('.status', { hasText: 'PROCESSING' }).waitFor()
  t.equal(await page.locator('#sign-in').isHidden(), true, 'no sign-in')
  t.equal(await page.locator('.forms').isHidden(), true, 'no forms')
  t.equal(await row.locator('.actions').isHidden(), true, 'no actions')
  gates.finish('follow-link')
  await row.locator('.status', { hasText: 'COMPLETED' }).waitFor()
  t.equal(await page.evaluate('localStorage.getItem("faena.token")'), null, 'no token stored')
})
