// Service keys: made with a token, shown once, stored as a hash; a key acts for its owner within
// its scopes; revoked or expired, it is refused at once on every node.
import t from 'tap'
import { startTestFaena } from '../support/faena.js'

t.test('a key submits and reads within its scopes, and is stored only as a hash', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const made = await f.as('backend').post('/api-keys', { name: 'web app', scopes: ['jobs:submit:noop', 'jobs:read'] })
  t.equal(made.statusCode, 201)
  const key = made.json()
  t.match(key, { id: /^[0-9a-f]{16}$/, userId: 'backend', name: 'web app', key: /^fk_[0-9a-f]{16}_[\w-]{43}$/ })
  const secret = key.key.slice(20)
  const stored = (await f.faena.db.pool.query('SELECT * FROM api_key')).rows[0]
  t.notMatch(JSON.stringify(stored), secret, 'the secret is not stored')
  t.match((await f.as('backend').get('/api-keys')).json(), [{ id: key.id, scopes: ['jobs:submit:noop', 'jobs:read'] }])
  t.notOk('key' in (await f.as('backend').get('/api-keys')).json()[0], 'and never shown again')

  const withKey = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    f.faena.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key.key}` },
      ...(payload ? { payload } : {}),
    })
  const posted = await withKey('POST', '/jobs', { type: 'noop' })
  t.equal(posted.statusCode, 202)
  const jobId = posted.json().jobId as string
  t.match((await withKey('GET', `/jobs/${jobId}`)).json(), { id: jobId, userId: 'backend' }, 'the job is its owner’s')
  t.equal((await f.as('backend').get(`/jobs/${jobId}`)).statusCode, 200)

  t.match((await withKey('POST', '/jobs', { type: 'sleep', parameters: { ms: 1 } })).json(), {
    code: 'FORBIDDEN',
    message: 'this key needs the scope jobs:submit:sleep',
  })
  t.match((await withKey('DELETE', `/jobs/${jobId}`)).json(), { message: 'this key needs the scope jobs:act' })
  t.match((await withKey('POST', `/jobs/${jobId}/retry`)).json(), { message: 'this key needs the scope jobs:act' })
  t.match((await withKey('GET', '/api-keys')).json(), { message: 'service keys are managed with a token, not a key' })
  t.equal((await withKey('GET', '/stats')).statusCode, 403, 'a key has no role')
})

t.test('revoked or expired: refused at once, on every node; only its owner or an admin revokes it', async (t) => {
  const a = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const b = await startTestFaena(t, { databaseUrl: a.url, config: { WORKER_CONCURRENCY: 0 } })
  const key = (await a.as('backend').post('/api-keys', { name: 'k', scopes: ['jobs:read'] })).json()
  const read = (f: typeof a) =>
    f.faena.app.inject({ method: 'GET', url: '/jobs', headers: { authorization: `Bearer ${key.key}` } })
  t.equal((await read(a)).statusCode, 200)
  t.equal((await read(b)).statusCode, 200)

  t.equal((await a.as('mallory').delete(`/api-keys/${key.id}`)).statusCode, 404, "another user's key: not found")
  t.equal((await read(b)).statusCode, 200)
  t.equal((await a.as('backend').delete(`/api-keys/${key.id}`)).statusCode, 204)
  t.equal((await read(b)).statusCode, 401, 'refused on the other node at once')
  t.equal((await read(a)).statusCode, 401)
  t.match((await a.as('root', { admin: true }).get('/api-keys')).json(), [{ id: key.id, revokedAt: String }])

  const short = (await b.as('backend').post('/api-keys', { name: 's', scopes: ['jobs:read'] })).json()
  await a.faena.db.pool.query(`UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = $1`, [short.id])
  const expired = await a.faena.app.inject({
    method: 'GET',
    url: '/jobs',
    headers: { authorization: `Bearer ${short.key}` },
  })
  t.equal(expired.statusCode, 401, 'expired')
  const other = (await b.as('bob').post('/api-keys', { name: 'b', scopes: ['jobs:read'] })).json()
  t.equal((await a.as('root', { admin: true }).delete(`/api-keys/${other.id}`)).statusCode, 204, 'an admin revokes any')
})

t.test('bad keys and bad requests for keys', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const key = (await f.as('backend').post('/api-keys', { name: 'k', scopes: ['jobs:read'] })).json().key as string
  for (const [what, bad] of Object.entries({
    'a wrong secret': `${key.slice(0, -4)}AAAA`,
    'an unknown id': `fk_0000000000000000_${key.slice(20)}`,
    malformed: 'fk_nope',
  })) {
    const res = await f.faena.app.inject({ method: 'GET', url: '/jobs', headers: { authorization: `Bearer ${bad}` } })
    t.equal(res.statusCode, 401, what)
  }
  t.match((await f.as('backend').post('/api-keys', { name: 'k', scopes: ['jobs:everything'] })).json(), {
    statusCode: 400,
    message: /scopes: "jobs:everything" is not jobs:submit\[:<type>\], jobs:read or jobs:act/,
  })
  t.match(
    (
      await f.as('backend').post('/api-keys', { name: 'k', scopes: ['jobs:read'], expiresAt: '2020-01-01T00:00:00Z' })
    ).json(),
    { statusCode: 400, message: 'expiresAt: must be in the future' },
  )
  t.equal((await f.as('backend').post('/api-keys', { name: 'k', scopes: [] })).statusCode, 400)
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM api_key')).rows[0].n, 1, 'nothing stored')
})
