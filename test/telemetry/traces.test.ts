// OpenTelemetry traces, exported to a real OTLP/HTTP receiver (test/support/otlp-receiver.ts):
// one trace holds the POST that created an import, the job's span from enqueue to its end, its
// claim and run, and the spans made inside its worker thread (the import's phases). Retried
// attempts, a webhook and a re-run belong to the same story. With no OTEL_* variable set,
// nothing is exported and the SDK is never started.
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import t from 'tap'
import type { Config } from '../../src/config/schema.js'
import { csvBytes } from '../support/dkt-files.js'
import { SAMPLE_ROWS, upload } from '../support/dkt-upload.js'
import { startTestFaena } from '../support/faena.js'
import { waitForStatus } from '../support/jobs.js'
import { type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver.js'
import { waitFor } from '../support/wait.js'
import { startReceiver, TEST_WEBHOOK_SECRET } from '../support/webhook-receiver.js'

const OTEL_API_GLOBAL = Symbol.for('opentelemetry.js.api.1')
/** The OpenTelemetry SDK's modules this process has loaded (CommonJS: in the require cache). */
const sdkModules = () =>
  Object.keys(createRequire(import.meta.url).cache).filter((k) =>
    /@opentelemetry\/(sdk-|exporter-|otlp-|resources|core|context-async-hooks)/.test(k),
  )

/** A client's own span, sent as `traceparent`. */
function clientContext() {
  const traceId = randomBytes(16).toString('hex')
  const spanId = randomBytes(8).toString('hex')
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` }
}

const find = (spans: ReceivedSpan[], name: string, where: (s: ReceivedSpan) => boolean = () => true) =>
  spans.find((s) => s.name === name && where(s))

// First, in a process where nothing has loaded OpenTelemetry yet.
t.test('with no OTEL_* variable set nothing is exported and no SDK is started', async (t) => {
  // A receiver on the default OTLP/HTTP port: where an SDK on by default would send.
  const receiver = await startOtlpReceiver(t, { port: 4318 }).catch(() => null)
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1 }, stopOnTeardown: false })
  const { jobId } = (
    await f.as('alice').post('/jobs', { type: 'noop' }, { traceparent: clientContext().traceparent })
  ).json()
  await waitForStatus(f.faena, jobId, 'COMPLETED')
  await f.faena.stop() // would export whatever had been recorded
  t.equal(
    (globalThis as Record<symbol, unknown>)[OTEL_API_GLOBAL],
    undefined,
    'no tracer provider, context manager or propagator was registered',
  )
  t.same(sdkModules(), [], 'no module of the SDK or its exporters was loaded')
  t.equal(
    (
      await f.faena.db.pool
        .query('SELECT trace FROM processing_job WHERE id = $1', [jobId])
        .catch(() => ({ rows: [{ trace: null }] }))
    ).rows[0].trace,
    null,
    'no trace is stored with the job',
  )
  if (receiver) t.same(receiver.requests, [], 'the default endpoint received nothing')
  else t.comment('port 4318 is taken here: the default endpoint was not watched')
})

const tracingConfig = (endpoint: string): Partial<Config> => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_SERVICE_NAME: 'faena-traces-test',
  WORKER_CONCURRENCY: 1,
})

t.test('one trace: the POST that created an import, the job, its claim and run, and its thread', async (t) => {
  const receiver = await startOtlpReceiver(t)
  const lines: Record<string, unknown>[] = []
  const f = await startTestFaena(t, { config: tracingConfig(receiver.endpoint), logLines: (l) => lines.push(l) })
  const client = clientContext()
  const res = await upload(
    f,
    'alice',
    { name: 'statement.csv', content: csvBytes(SAMPLE_ROWS) },
    {},
    { traceparent: client.traceparent },
  )
  t.equal(res.statusCode, 202, res.body)
  const jobId = res.json().jobId as string
  await waitForStatus(f.faena, jobId, 'COMPLETED')

  const inTrace = () => receiver.spans.filter((s) => s.traceId === client.traceId)
  const names = [
    'POST /jobs/dkt-import',
    'job dkt-import',
    'claim dkt-import',
    'run dkt-import',
    'process dkt-import',
    'dkt-import read-and-copy',
    'dkt-import duplicates',
    'dkt-import commit',
  ]
  const spans = await waitFor('every span of the import in the receiver', async () => {
    const got = inTrace()
    return names.every((n) => find(got, n)) && got
  }).catch((err: Error) => {
    throw new Error(
      `${err.message}: got ${JSON.stringify(receiver.spans.map((s) => [s.name, s.traceId === client.traceId]))} from ${JSON.stringify(receiver.requests)}`,
    )
  })
  t.ok(
    spans.every((s) => s.service === 'faena-traces-test'),
    'service.name is OTEL_SERVICE_NAME',
  )
  const request = find(spans, 'POST /jobs/dkt-import')!
  const job = find(spans, 'job dkt-import')!
  const claim = find(spans, 'claim dkt-import')!
  const run = find(spans, 'run dkt-import')!
  const thread = find(spans, 'process dkt-import')!
  t.equal(request.parentSpanId, client.spanId, "the request's span continues the caller's traceparent")
  t.match(request.attributes, {
    'http.request.method': 'POST',
    'http.route': '/jobs/dkt-import',
    'http.response.status_code': 202,
    'enduser.id': 'alice',
  })
  t.equal(job.parentSpanId, request.spanId, 'the job span is a child of the request that created it')
  t.match(job.attributes, {
    'faena.job.id': jobId,
    'faena.job.type': 'dkt-import',
    'faena.job.status': 'COMPLETED',
    'faena.job.attempt': 1,
  })
  t.ok(
    job.startMs <= claim.startMs && job.endMs >= run.endMs - 1,
    'the job span covers the job from enqueue to its end',
  )
  t.equal(claim.parentSpanId, job.spanId, 'the claim is under the job')
  t.equal(run.parentSpanId, job.spanId, 'the run is under the job')
  t.match(run.attributes, { 'faena.job.id': jobId, 'faena.job.attempt': 1, 'faena.job.outcome': 'completed' })
  t.equal(thread.parentSpanId, run.spanId, "the worker thread's span continues the run")
  for (const phase of ['dkt-import read-and-copy', 'dkt-import duplicates', 'dkt-import commit']) {
    t.equal(find(spans, phase)!.parentSpanId, thread.spanId, `${phase} is a span of the thread, under its job`)
  }
  t.match(find(spans, 'dkt-import read-and-copy')!.attributes, { 'faena.rows.read': 4, 'faena.bytes.read': Number })
  t.match(find(spans, 'dkt-import duplicates')!.attributes, { 'faena.rows.duplicate': 1 })
  t.match(find(spans, 'dkt-import commit')!.attributes, { 'faena.rows.imported': 3 })
  t.match(
    lines.find((l) => l.event === 'job.completed' && l.jobId === jobId),
    { traceId: client.traceId },
    "the job's log lines carry its trace id",
  )
  t.ok(sdkModules().length > 0, 'with traces on, the SDK is loaded (what the first test checks the absence of)')
  const stored = (await f.faena.db.pool.query('SELECT trace FROM processing_job WHERE id = $1', [jobId])).rows[0].trace
  t.equal(stored.span, `00-${client.traceId}-${job.spanId}-01`, "the job's trace context is stored with it")
})

t.test('retries, a webhook and a re-run belong to the same story', async (t) => {
  const receiver = await startOtlpReceiver(t)
  const hooks = await startReceiver(t)
  const f = await startTestFaena(t, {
    config: { ...tracingConfig(receiver.endpoint), WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, WEBHOOK_ALLOW_PRIVATE: true },
  })
  const client = clientContext()
  // Fails attempts 1 and 2 (retryable), succeeds on 3: three runs under one job span.
  const flaky = (
    await f
      .as('alice')
      .post(
        '/jobs',
        { type: 'flaky', parameters: { succeedOn: 3 }, callbackUrl: hooks.url },
        { traceparent: client.traceparent },
      )
  ).json().jobId as string
  await waitForStatus(f.faena, flaky, 'COMPLETED')
  const spans = await waitFor('the runs, the job and its webhook', async () => {
    const got = receiver.spans.filter((s) => s.traceId === client.traceId)
    return (
      got.filter((s) => s.name === 'run flaky').length === 3 &&
      find(got, 'job flaky') &&
      find(got, 'webhook job.completed') &&
      got
    )
  })
  const job = find(spans, 'job flaky')!
  const runs = spans
    .filter((s) => s.name === 'run flaky')
    .sort((a, b) => Number(a.attributes['faena.job.attempt']) - Number(b.attributes['faena.job.attempt']))
  t.same(
    runs.map((r) => [r.parentSpanId, r.attributes['faena.job.attempt'], r.attributes['faena.job.outcome']]),
    [
      [job.spanId, 1, 'retry'],
      [job.spanId, 2, 'retry'],
      [job.spanId, 3, 'completed'],
    ],
    'each attempt is a run under the one job span, with its outcome',
  )
  t.match(
    runs[0]!,
    { status: { code: 2 }, attributes: { 'faena.error.code': 'FLAKY' } },
    'a failed attempt is an error span with its code',
  )
  const webhook = find(spans, 'webhook job.completed')!
  t.equal(webhook.parentSpanId, job.spanId, 'the webhook delivery is under the job')
  await waitFor('the webhook received', async () => hooks.received.length > 0)
  t.equal(
    hooks.received[0]!.traceparent,
    `00-${client.traceId}-${webhook.spanId}-01`,
    'the receiver gets the delivery span as its traceparent',
  )

  // A job that fails for good, then runs again: the re-run is a new job span in the re-run
  // request's trace, linked to the run before it.
  const failing = (
    await f
      .as('alice')
      .post(
        '/jobs',
        { type: 'flaky', parameters: { succeedOn: 2, retryable: false } },
        { traceparent: client.traceparent },
      )
  ).json().jobId as string
  await waitForStatus(f.faena, failing, 'FAILED')
  const first = await waitFor('the failed job span', async () =>
    find(receiver.spans, 'job flaky', (s) => s.attributes['faena.job.id'] === failing),
  )
  t.match(first, { status: { code: 2 }, attributes: { 'faena.job.status': 'FAILED', 'faena.error.code': 'FLAKY' } })
  const again = clientContext()
  t.equal(
    (await f.as('alice').post(`/jobs/${failing}/retry`, undefined, { traceparent: again.traceparent })).statusCode,
    202,
  )
  await waitForStatus(f.faena, failing, 'FAILED') // attempt 1 of its new run fails again
  const second = await waitFor('the re-run job span', async () =>
    find(receiver.spans, 'job flaky', (s) => s.attributes['faena.job.id'] === failing && s.traceId === again.traceId),
  )
  t.same(second.links, [{ traceId: first.traceId, spanId: first.spanId }], 'the re-run links to the run before it')
  t.match(second.attributes, { 'faena.job.status': 'FAILED' })
  const rerunRequest = find(receiver.spans, 'POST /jobs/:id/retry', (s) => s.traceId === again.traceId)
  t.equal(second.parentSpanId, rerunRequest?.spanId, 'the re-run is a child of the request that asked for it')
})

t.test('a job cancelled while queued ends its span there', async (t) => {
  const receiver = await startOtlpReceiver(t)
  const f = await startTestFaena(t, { config: tracingConfig(receiver.endpoint) })
  const client = clientContext()
  const later = new Date(Date.now() + 3_600_000).toISOString()
  const { jobId } = (
    await f.as('alice').post('/jobs', { type: 'noop', runAt: later }, { traceparent: client.traceparent })
  ).json()
  t.equal((await f.as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)
  const job = await waitFor('the cancelled job span', async () =>
    find(receiver.spans, 'job noop', (s) => s.traceId === client.traceId),
  )
  t.match(job, {
    status: { code: 2 },
    attributes: { 'faena.job.id': jobId, 'faena.job.status': 'CANCELLED', 'faena.error.code': 'CANCELLED' },
  })
  t.notOk(
    find(receiver.spans, 'run noop', (s) => s.traceId === client.traceId),
    'it never ran',
  )
})

t.test('OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf sends protobuf', async (t) => {
  const receiver = await startOtlpReceiver(t)
  const f = await startTestFaena(t, {
    config: { ...tracingConfig(receiver.endpoint), OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    stopOnTeardown: false,
  })
  const { jobId } = (await f.as('alice').post('/jobs', { type: 'noop' })).json()
  await waitForStatus(f.faena, jobId, 'COMPLETED')
  await f.faena.stop() // exports what was recorded
  t.ok(receiver.requests.length > 0, 'spans were sent')
  t.ok(
    receiver.requests.every((r) => r.path === '/v1/traces' && r.contentType === 'application/x-protobuf'),
    `as protobuf: ${JSON.stringify(receiver.requests)}`,
  )
})

t.test("a scheduled job's trace starts at its schedule's tick", async (t) => {
  const receiver = await startOtlpReceiver(t)
  const f = await startTestFaena(t, { config: tracingConfig(receiver.endpoint) })
  const schedule = (await f.as('alice').post('/schedules', { cron: '0 * * * *', job: { type: 'noop' } })).json()
  await f.faena.db.pool.query("UPDATE job_schedule SET next_run_at = now() - interval '1 minute' WHERE id = $1", [
    schedule.id,
  ])
  const tick = await waitFor(
    'the tick span',
    async () => find(receiver.spans, 'schedule noop', (s) => s.attributes['faena.schedule.id'] === schedule.id),
    15_000,
  )
  t.equal(tick.parentSpanId, '', 'the tick starts a trace')
  const jobId = tick.attributes['faena.job.id'] as string
  t.match(jobId, /^[0-9a-f-]{36}$/, 'the tick names the job it started')
  const job = await waitFor('the job span', async () =>
    find(receiver.spans, 'job noop', (s) => s.attributes['faena.job.id'] === jobId),
  )
  t.equal(job.traceId, tick.traceId, 'the job is in the tick trace')
  t.equal(job.parentSpanId, tick.spanId, 'under the tick')
  t.match(job.attributes, { 'faena.job.status': 'COMPLETED' })
})

t.test("a job whose node died is ended by another node's rescue, which records its span", async (t) => {
  const receiver = await startOtlpReceiver(t)
  const f = await startTestFaena(t, { config: { ...tracingConfig(receiver.endpoint), LEASE_RENEW_MS: 100 } })
  const client = clientContext()
  const later = new Date(Date.now() + 3_600_000).toISOString()
  const { jobId } = (
    await f.as('alice').post('/jobs', { type: 'noop', runAt: later }, { traceparent: client.traceparent })
  ).json()
  // As a node that claimed it, ran its only attempt and died would leave it.
  await f.faena.db.pool.query(
    `UPDATE processing_job SET status = 'PROCESSING', attempts = 1, max_attempts = 1, locked_by = 'dead-node', locked_at = now(),
            started_at = now(), lease_expires_at = now() - interval '1 second' WHERE id = $1`,
    [jobId],
  )
  const job = await waitFor('the rescued job span', async () =>
    find(receiver.spans, 'job noop', (s) => s.traceId === client.traceId),
  )
  t.match(job, {
    status: { code: 2 },
    attributes: { 'faena.job.id': jobId, 'faena.job.status': 'FAILED', 'faena.error.code': 'ABANDONED' },
  })
  t.equal(
    job.parentSpanId,
    find(receiver.spans, 'POST /jobs', (s) => s.traceId === client.traceId)?.spanId,
    'under the request that created it',
  )
})
