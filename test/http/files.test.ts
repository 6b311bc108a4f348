// Local-driver downloads: signed, expiring links served by the API.

import { Readable } from 'node:stream'
import t from 'tap'
import { startTestFaena } from '../support/faena.js'
import { patternStream, sha256Of } from '../support/streams.js'

const pathOf = (url: string) => {
  const u = new URL(url)
  return `${u.pathname}${u.search}`
}

t.test('a signed link downloads the file, named as asked, over real HTTP', async (t) => {
  const { faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const address = await faena.listen()
  await faena.storage.put('exports/u1/data.csv', patternStream(300_000))
  const { url, expiresAt } = await faena.storage.signedUrl('exports/u1/data.csv', { fileName: 'Ventas año 2026.csv' })
  t.ok(expiresAt.getTime() > Date.now())
  const res = await fetch(new URL(pathOf(url), address))
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-length'), '300000')
  t.match(
    res.headers.get('content-disposition'),
    /^attachment; filename="Ventas a_o 2026.csv"; filename\*=UTF-8''Ventas%20a%C3%B1o%202026\.csv$/,
  )
  t.same(await sha256Of(Readable.fromWeb(res.body as never)), await sha256Of(patternStream(300_000)))
})

t.test('expired, tampered or unsigned links are refused', async (t) => {
  const { faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  await faena.storage.put('exports/u1/a.csv', patternStream(10))
  await faena.storage.put('exports/u2/b.csv', patternStream(10))

  const expired = await faena.storage.signedUrl('exports/u1/a.csv', { expiresInSeconds: -5 })
  const res = await faena.app.inject(pathOf(expired.url))
  t.equal(res.statusCode, 403)
  t.match(res.json(), { code: 'LINK_EXPIRED', message: /expired/ })

  const good = pathOf((await faena.storage.signedUrl('exports/u1/a.csv', { fileName: 'a.csv' })).url)
  const tampered = {
    'other file': good.replace('/u1/a.csv', '/u2/b.csv'),
    'later expiry': good.replace(/expires=(\d+)/, (_m, e) => `expires=${Number(e) + 3600}`),
    'other name': good.replace('name=a.csv', 'name=evil.exe'),
    'flipped signature': good.replace(/sig=([0-9a-f])/, (_m, c) => `sig=${c === '0' ? '1' : '0'}`),
    'no signature': good.replace(/&sig=[0-9a-f]+/, ''),
  }
  for (const [what, path] of Object.entries(tampered)) {
    const r = await faena.app.inject(path)
    t.ok(r.statusCode === 403 || r.statusCode === 400, `${what}: ${r.statusCode}`)
    t.match(r.json().code, /^(LINK_INVALID|VALIDATION_FAILED)$/, what)
  }
  t.equal((await faena.app.inject(good)).statusCode, 200, 'the untouched link still works')

  await faena.storage.delete('exports/u1/a.csv')
  const gone = await faena.app.inject(good)
  t.equal(gone.statusCode, 404)
  t.equal(gone.json().code, 'FILE_NOT_FOUND')
})
