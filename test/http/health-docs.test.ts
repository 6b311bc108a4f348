import t from 'tap'
import { startTestFaena } from '../support/faena.js'

t.test('health: live, and ready with the database and pool checked', async (t) => {
  const { faena } = await startTestFaena(t)
  t.same((await faena.app.inject('/health/live')).json(), { status: 'ok' })
  const ready = await faena.app.inject('/health/ready')
  t.equal(ready.statusCode, 200)
  t.match(ready.json(), { status: 'ok', checks: { database: 'ok', pool: { threads: 2, running: 0 } } })
})

t.test('ready turns 503 when the database is gone', async (t) => {
  const { faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 }, stopOnTeardown: false })
  await faena.db.close()
  const ready = await faena.app.inject('/health/ready')
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { status: 'unavailable', checks: { database: /^unreachable/ } })
  await faena.stop()
})

t.test('OpenAPI document and docs UI are served', async (t) => {
  const { faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const spec = (await faena.app.inject('/openapi.json')).json()
  t.equal(spec.openapi, '3.0.3')
  for (const path of ['/jobs', '/jobs/{id}', '/jobs/{id}/cancel', '/health/ready']) t.ok(spec.paths[path], path)
  t.ok(spec.paths['/jobs'].post.requestBody, 'request schema documented')
  t.ok(spec.paths['/jobs'].post.responses['202'], '202 documented')
  t.ok(spec.components.schemas.Job, 'Job schema shared')
  const docs = await faena.app.inject('/docs/')
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /text\/html/)
})
