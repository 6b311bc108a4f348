// Security headers on every answer; CORS off unless configured, and then only for the
// configured origins.
import t from 'tap'
import { startTestFaena } from '../support/faena.js'

t.test('security headers on API answers, errors and docs alike', async (t) => {
  const { faena, as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const answers = [
    await as('alice').get('/jobs'),
    await faena.app.inject('/jobs'),
    await faena.app.inject('/docs/'),
    await faena.app.inject('/no/such/route'),
    await as('alice').get('/jobs/missing'),
  ]
  for (const res of answers) {
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.match(res.headers['content-security-policy'], /default-src 'self'/)
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
    t.match(res.headers['strict-transport-security'], /max-age=/)
  }
  t.match(
    answers[2]!.headers['content-security-policy'],
    /script-src 'self' /,
    "the docs page has its own policy (swagger-ui's)",
  )
})

t.test(
  'upgrade-insecure-requests only when served over HTTPS: over plain HTTP it broke the page on any address but localhost',
  async (t) => {
    const plain = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, PUBLIC_URL: 'http://192.0.2.2:3000' } })
    const page = await plain.faena.app.inject('/')
    t.equal(page.statusCode, 200)
    t.match(page.headers['content-security-policy'], /script-src 'self'/)
    t.notMatch(page.headers['content-security-policy'], /upgrade-insecure-requests/)
    const tls = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, PUBLIC_URL: 'https://faena.example' } })
    t.match((await tls.faena.app.inject('/')).headers['content-security-policy'], /upgrade-insecure-requests/)
  },
)

t.test('CORS is off by default', async (t) => {
  const { faena, token } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const res = await faena.app.inject({
    url: '/jobs',
    headers: { origin: 'https://app.example', authorization: `Bearer ${token('alice')}` },
  })
  t.equal(res.statusCode, 200)
  t.notOk(res.headers['access-control-allow-origin'])
})

t.test('CORS_ORIGINS: the listed origins only, preflight included', async (t) => {
  const { faena, token } = await startTestFaena(t, {
    config: { WORKER_CONCURRENCY: 0, CORS_ORIGINS: 'https://app.example, https://admin.example' },
  })
  const get = (origin: string) =>
    faena.app.inject({ url: '/jobs', headers: { origin, authorization: `Bearer ${token('alice')}` } })
  t.equal((await get('https://app.example')).headers['access-control-allow-origin'], 'https://app.example')
  t.notOk((await get('https://evil.example')).headers['access-control-allow-origin'])
  const preflight = await faena.app.inject({
    method: 'OPTIONS',
    url: '/jobs/kpi-export',
    headers: {
      origin: 'https://admin.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'https://admin.example')
  t.match(preflight.headers['access-control-allow-headers'], /authorization/)
})

t.test('a route takes no more body than it needs', async (t) => {
  const { as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const res = await as('alice').post('/jobs/kpi-export', {
    filters: { from: '2020-01-01', to: '2020-01-02', sucursal: 'x'.repeat(100_000) },
  })
  t.equal(res.statusCode, 413)
  t.match(res.json(), { statusCode: 413, code: String, message: String })
})
