// Completion webhooks against a real receiver: signed as Standard Webhooks says (checked by the
// receiver's own code), retried with one webhook-id until a 2xx, resumed after the receiver
// was unreachable, delivered once after the process that ended the job was killed, and never
// sent to private addresses unless allowed.
import { once } from 'node:events'
import { createServer as createHttpServer, type ServerResponse } from 'node:http'
import { createServer } from 'node:net'
import t from 'tap'
import { guardedLookup } from '../../src/webhooks/target.js'
import { createTestDatabase } from '../support/database.js'
import { csvBytes } from '../support/dkt-files.js'
import { SAMPLE_ROWS, storedFiles, upload } from '../support/dkt-upload.js'
import { startTestFaena } from '../support/faena.js'
import { jobRow, waitForStatus } from '../support/jobs.js'
import { startServerProcess } from '../support/server-process.js'
import { waitFor } from '../support/wait.js'
import { startReceiver, TEST_WEBHOOK_SECRET } from '../support/webhook-receiver.js'

const WEBHOOKS = {
  WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  WEBHOOK_ALLOW_PRIVATE: true,
  WEBHOOK_RETRY_BASE_MS: 20,
  WEBHOOK_TIMEOUT_MS: 2000,
}

t.test('a job with a callbackUrl: its end is POSTed signed, retried after 500s with one webhook-id', async (t) => {
  const receiver = await startReceiver(t, { answers: [500, 500] })
  const f = await startTestFaena(t, { config: WEBHOOKS })
  const res = await f.as('alice').post('/jobs', { type: 'noop', callbackUrl: receiver.url })
  t.equal(res.statusCode, 202)
  const { jobId } = res.json()
  await waitFor('three attempts', async () => receiver.received.length >= 3)
  const [first, second, third] = receiver.received
  t.same(
    receiver.received.map((r) => r.answered),
    [500, 500, 200],
  )
  t.ok(
    receiver.received.every((r) => r.signatureValid),
    'every signature verifies',
  )
  t.equal(new Set(receiver.received.map((r) => r.id)).size, 1, 'one webhook-id on every attempt')
  t.match(first!.id, /^msg_/)
  t.same(second!.body, first!.body, 'the same body on every attempt')
  t.match(third!.body, {
    type: 'job.completed',
    timestamp: String,
    data: { id: jobId, status: 'COMPLETED', type: 'noop', callbackUrl: receiver.url },
  })
  t.notOk('webhook' in third!.body.data, 'the body is the job, not its delivery')
  t.ok(Math.abs(third!.timestamp - Date.now() / 1000) < 60, 'webhook-timestamp: Unix seconds at sending')

  const job = await waitFor('the delivery recorded', async () => {
    const view = (await f.as('alice').get(`/jobs/${jobId}`)).json()
    return view.webhook?.status === 'delivered' ? view : null
  })
  t.match(job.webhook, { status: 'delivered', attempts: 3, lastError: null, deliveredAt: String })
  t.equal(receiver.received.length, 3, 'nothing after the 2xx')
})

t.test('failed and cancelled jobs are told too; jobs without a callback have no webhook', async (t) => {
  const receiver = await startReceiver(t)
  const f = await startTestFaena(t, { config: WEBHOOKS })
  const failed = (
    await f
      .as('alice')
      .post('/jobs', { type: 'flaky', parameters: { succeedOn: 9, retryable: false }, callbackUrl: receiver.url })
  ).json().jobId
  const queued = (
    await f.as('alice').post('/jobs', {
      type: 'sleep',
      parameters: { ms: 60_000, steps: 1 },
      runAt: new Date(Date.now() + 3_600_000).toISOString(),
      callbackUrl: receiver.url,
    })
  ).json().jobId
  await f.as('alice').delete(`/jobs/${queued}`)
  await waitFor('two events', async () => receiver.received.length >= 2)
  const byJob = new Map(receiver.received.map((r) => [r.body.data.id, r.body]))
  t.match(byJob.get(failed), { type: 'job.failed', data: { status: 'FAILED', error: { code: 'FLAKY' } } })
  t.match(byJob.get(queued), { type: 'job.cancelled', data: { status: 'CANCELLED' } })

  const { jobId: plain } = (await f.as('alice').post('/jobs', { type: 'noop' })).json()
  await waitForStatus(f.faena, plain, 'COMPLETED')
  t.match((await f.as('alice').get(`/jobs/${plain}`)).json(), { callbackUrl: null })
  t.notOk('webhook' in (await f.as('alice').get(`/jobs/${plain}`)).json())

  // A re-run's end is another event, with another id.
  t.equal((await f.as('alice').post(`/jobs/${queued}/retry`)).statusCode, 202)
  t.match(
    (await f.as('alice').get(`/jobs/${queued}`)).json().webhook,
    { status: 'delivered' },
    "the earlier run's webhook until the re-run ends",
  )
  await f.as('alice').delete(`/jobs/${queued}`)
  await waitFor(
    "the re-run's event",
    async () => receiver.received.filter((r) => r.body.data.id === queued).length >= 2,
  )
  const ids = receiver.received.filter((r) => r.body.data.id === queued).map((r) => r.id)
  t.not(ids[0], ids[1])
})

t.test("job types' own routes take a callbackUrl too; a refused one keeps no upload", async (t) => {
  const receiver = await startReceiver(t)
  const f = await startTestFaena(t, { config: WEBHOOKS })
  const exported = await f.as('alice').post('/jobs/kpi-export', {
    filters: { from: '2020-01-01', to: '2020-01-02' },
    format: 'csv',
    callbackUrl: receiver.url,
  })
  t.equal(exported.statusCode, 202)
  const imported = await upload(
    f,
    'alice',
    { name: 'a.csv', content: csvBytes(SAMPLE_ROWS) },
    { callbackUrl: receiver.url },
  )
  t.equal(imported.statusCode, 202)
  const report = await f
    .as('alice')
    .post('/jobs/report', { reportType: 'ventas', rows: [{ a: 1 }], format: 'csv', callbackUrl: receiver.url })
  t.equal(report.statusCode, 202)
  await waitFor('three events', async () => receiver.received.length >= 3)
  t.same(
    new Set(receiver.received.map((r) => `${r.body.data.type} ${r.body.type}`)),
    new Set(['kpi-export job.completed', 'dkt-import job.completed', 'data-report job.completed']),
  )

  const closed = await startTestFaena(t, { config: { WEBHOOK_SECRET: TEST_WEBHOOK_SECRET } })
  const refused = await upload(
    closed,
    'alice',
    { name: 'b.csv', content: csvBytes(SAMPLE_ROWS) },
    { callbackUrl: 'http://127.0.0.1:9/x' },
  )
  t.equal(refused.statusCode, 400)
  t.match(refused.json(), { message: /^callbackUrl: .* loopback/ })
  t.same(storedFiles(closed), [], 'the upload is not kept')
})

t.test('a receiver that does not answer holds one slot, not the others', async (t) => {
  const held: ServerResponse[] = []
  const slow = createHttpServer((_req, res) => void held.push(res)).listen(0, '127.0.0.1')
  await once(slow, 'listening')
  t.teardown(() => {
    for (const res of held) res.destroy()
    slow.close()
  })
  const fast = await startReceiver(t)
  const f = await startTestFaena(t, { config: { ...WEBHOOKS, WEBHOOK_TIMEOUT_MS: 60_000, WEBHOOK_CONCURRENCY: 2 } })
  await f
    .as('alice')
    .post('/jobs', { type: 'noop', callbackUrl: `http://127.0.0.1:${(slow.address() as { port: number }).port}/hooks` })
  await waitFor('the slow receiver to be called', async () => held.length === 1)
  const { jobId } = (await f.as('alice').post('/jobs', { type: 'noop', callbackUrl: fast.url })).json()
  await waitFor('the fast receiver', async () => fast.received.length === 1)
  t.equal(fast.received[0]!.body.data.id, jobId)
  t.equal(held.length, 1, 'while the slow one still waits for its answer')
})

t.test('an unreachable receiver: attempts fail, delivery resumes once it answers', async (t) => {
  const port = await freePort()
  const f = await startTestFaena(t, { config: WEBHOOKS })
  const url = `http://127.0.0.1:${port}/hooks`
  const { jobId } = (await f.as('alice').post('/jobs', { type: 'noop', callbackUrl: url })).json()
  const failing = await waitFor('failed attempts', async () => {
    const view = (await f.as('alice').get(`/jobs/${jobId}`)).json()
    return view.webhook?.attempts >= 2 ? view.webhook : null
  })
  t.match(failing, { status: 'pending', lastError: /ECONNREFUSED|connect/, deliveredAt: null })
  const receiver = await startReceiver(t, { port })
  await waitFor(
    'the delivery',
    async () => (await f.as('alice').get(`/jobs/${jobId}`)).json().webhook.status === 'delivered',
    20_000,
  )
  t.equal(receiver.received.length, 1)
  t.ok(receiver.received[0]!.signatureValid)
})

t.test('the process that ended the job is killed before delivering: the next one delivers it, once', async (t) => {
  const databaseUrl = await createTestDatabase(t)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/hooks`
  const env = {
    DATABASE_URL: databaseUrl,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_BASE_MS: '20',
    WEBHOOK_TIMEOUT_MS: '500',
    WORKER_CONCURRENCY: '1',
  }
  const first = await startServerProcess(t, env)
  const f = await startTestFaena(t, { databaseUrl, config: { ...WEBHOOKS, WORKER_CONCURRENCY: 0, ROLE: 'api' } })
  const { jobId } = (await f.as('alice').post('/jobs', { type: 'noop', callbackUrl: url })).json()
  await waitForStatus(f.faena, jobId, 'COMPLETED')
  await waitFor(
    'an attempt by the first process',
    async () => (await f.as('alice').get(`/jobs/${jobId}`)).json().webhook?.attempts >= 1,
  )
  await first.kill()
  const receiver = await startReceiver(t, { port })
  await startServerProcess(t, env)
  await waitFor(
    'the delivery',
    async () => (await f.as('alice').get(`/jobs/${jobId}`)).json().webhook.status === 'delivered',
    30_000,
  )
  t.equal(receiver.received.length, 1, 'delivered once')
  t.match(receiver.received[0]!.body, { type: 'job.completed', data: { id: jobId } })
})

t.test('private targets: refused at submission, and again at delivery when DNS changed', async (t) => {
  const receiver = await startReceiver(t)
  const f = await startTestFaena(t, { config: { WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, WEBHOOK_RETRY_BASE_MS: 20 } })
  const cases: [string, RegExp][] = [
    [receiver.url, /^callbackUrl: 127\.0\.0\.1 resolves to 127\.0\.0\.1 is a loopback address/],
    ['http://localhost:9/x', /^callbackUrl: localhost resolves to .* is a loopback address/],
    ['http://169.254.169.254/latest/meta-data', /is a linkLocal address/],
    ['http://10.1.2.3/hook', /is a private address/],
    ['http://[::1]/hook', /is a loopback address/],
    ['http://[::ffff:192.168.0.1]/hook', /is a private address/],
    ['ftp://example.com/x', /^callbackUrl: must be http or https, not ftp/],
    ['https://user:pw@example.com/x', /^callbackUrl: may not carry credentials/],
    ['not a url', /^callbackUrl: is not a URL/],
    ['http://name.invalid/x', /^callbackUrl: name\.invalid does not resolve/],
  ]
  for (const [callbackUrl, message] of cases) {
    const res = await f.as('alice').post('/jobs', { type: 'noop', callbackUrl })
    t.equal(res.statusCode, 400, callbackUrl)
    t.match(res.json(), { code: 'VALIDATION_FAILED', message, details: { field: 'callbackUrl' } }, callbackUrl)
  }
  t.equal(await f.faena.db.prisma.processingJob.count(), 0, 'nothing stored')

  // A name that resolved to a public address at submission and to loopback later: the
  // connection itself is refused. (Written straight to the row: no public name is at hand.)
  const { jobId } = (
    await f.as('alice').post('/jobs', {
      type: 'sleep',
      parameters: { ms: 1, steps: 1 },
      runAt: new Date(Date.now() + 3_600_000).toISOString(),
    })
  ).json()
  await f.faena.db.pool.query('UPDATE processing_job SET callback_url = $2 WHERE id = $1', [
    jobId,
    receiver.url.replace('127.0.0.1', 'localhost'),
  ])
  await f.as('alice').delete(`/jobs/${jobId}`)
  const webhook = await waitFor(
    'a refused attempt',
    async () => (await f.as('alice').get(`/jobs/${jobId}`)).json().webhook?.lastError,
  )
  t.match(webhook, /refused: localhost resolves to .* loopback address/)
  t.equal(receiver.received.length, 0, 'nothing reached the receiver')
  t.equal((await jobRow(f.faena, jobId)).status, 'CANCELLED')
})

t.test('the connection-time guard', async (t) => {
  const err = await new Promise<NodeJS.ErrnoException | null>((ok) =>
    guardedLookup(false)('localhost', {}, (e) => ok(e)),
  )
  t.match(err, { code: 'EADDRNOTALLOWED', message: /loopback/ })
  const allowed = await new Promise<NodeJS.ErrnoException | null>((ok) =>
    guardedLookup(true)('localhost', {}, (e) => ok(e)),
  )
  t.equal(allowed, null)
})

t.test('without a signing secret in production a callbackUrl is refused', async (t) => {
  const f = await startTestFaena(t, { config: { NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE: true } })
  const res = await f.as('alice').post('/jobs', { type: 'noop', callbackUrl: 'https://hooks.example.com/x' })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { message: /^callbackUrl: webhooks are off on this server \(no WEBHOOK_SECRET/ })
  t.equal((await f.as('alice').post('/jobs', { type: 'noop' })).statusCode, 202, 'jobs without one are fine')
})

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((ok) => server.close(ok))
  return port
}
