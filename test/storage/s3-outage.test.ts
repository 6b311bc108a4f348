// The S3 driver when its endpoint goes away (s3rver stopped and started again on the same port
// and directory, or a proxy in front of it that stops answering): every call ends within
// seconds as STORAGE_UNAVAILABLE (retryable, 503), and a multipart upload cut in the middle
// is aborted once the endpoint is back.
import { Readable } from 'node:stream'
import t, { type Test } from 'tap'
import { createS3Storage } from '../../src/storage/s3-storage.js'
import { S3_CREDENTIALS, startS3, type TestS3 } from '../support/s3.js'
import { startTcpProxy } from '../support/tcp-proxy.js'
import { waitFor } from '../support/wait.js'

const MiB = 1024 * 1024
const TIMEOUTS = { connectMs: 1000, requestMs: 3000, idleMs: 1000 }
const UNAVAILABLE = { code: 'STORAGE_UNAVAILABLE', statusCode: 503, retryable: true }

function storageOn(t: Test, s3: TestS3, endpoint = s3.endpoint) {
  const storage = createS3Storage({
    bucket: s3.bucket,
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    defaultExpiresInSeconds: 60,
    timeouts: TIMEOUTS,
    client: { credentials: S3_CREDENTIALS },
  })
  t.teardown(() => storage.close())
  return storage
}

/** `first` bytes at once, then the rest once `more()` is called. */
function twoPhaseStream(first: number, rest: number) {
  let release!: () => void
  const gate = new Promise<void>((ok) => (release = ok))
  async function* chunks() {
    for (let sent = 0; sent < first; sent += MiB) yield Buffer.alloc(MiB, 1)
    await gate
    for (let sent = 0; sent < rest; sent += MiB) yield Buffer.alloc(MiB, 2)
  }
  return { stream: Readable.from(chunks()), more: release }
}

t.test('the endpoint down: put, get, size and delete fail as STORAGE_UNAVAILABLE, retryable, a 503', async (t) => {
  const s3 = await startS3(t)
  const storage = storageOn(t, s3)
  await storage.put('uploads/u/a.txt', Readable.from([Buffer.from('hello')]))
  await s3.stop()
  await t.rejects(storage.put('uploads/u/b.txt', Readable.from([Buffer.from('hello')])), UNAVAILABLE, 'put')
  await t.rejects(storage.get('uploads/u/a.txt'), UNAVAILABLE, 'get')
  await t.rejects(storage.size('uploads/u/a.txt'), UNAVAILABLE, 'size')
  await t.rejects(storage.delete('uploads/u/a.txt'), UNAVAILABLE, 'delete')
  await s3.start()
  t.equal(await storage.size('uploads/u/a.txt'), 5, 'back: what was stored is there')
  t.equal(await storage.size('uploads/u/b.txt'), null, 'and what failed is not')
})

t.test(
  'the endpoint goes away in the middle of a multipart upload: the put fails; back, the upload is aborted',
  async (t) => {
    const s3 = await startS3(t)
    // Through a proxy that notes the requests: s3rver has no AbortMultipartUpload (it answers
    // 405 and keeps the parts), so the abort is seen on the wire.
    const proxy = await startTcpProxy(t, { host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) })
    const storage = storageOn(t, s3, `http://127.0.0.1:${proxy.port}`)
    const body = twoPhaseStream(6 * MiB, 6 * MiB)
    const put = storage.put('reports/j1/big.bin', body.stream)
    put.catch(() => {}) // asserted below
    await waitFor('the multipart upload to start', async () =>
      proxy.requests.some((r) => r.startsWith('PUT /faena-test/reports/j1/big.bin?partNumber=')),
    )
    await s3.stop()
    body.more()
    await t.rejects(put, UNAVAILABLE, 'the put fails as STORAGE_UNAVAILABLE')
    const before = proxy.requests.length
    await s3.start()
    // The abort that failed with the upload is tried again in the background.
    const abort = await waitFor(
      'the abort to reach the endpoint, back',
      async () =>
        proxy.requests.slice(before).find((r) => r.startsWith('DELETE /faena-test/reports/j1/big.bin?uploadId=')),
      20_000,
    )
    t.ok(abort, 'AbortMultipartUpload was sent once the endpoint was back')
    t.equal(await storage.size('reports/j1/big.bin'), null, 'no object at the key')
  },
)

t.test('an endpoint that takes connections and never answers: the put fails after its timeouts', async (t) => {
  const s3 = await startS3(t)
  const proxy = await startTcpProxy(t, { host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) })
  const storage = storageOn(t, s3, `http://127.0.0.1:${proxy.port}`)
  await storage.put('uploads/u/first.txt', Readable.from([Buffer.from('through the proxy')]))
  proxy.freeze()
  await t.rejects(storage.put('uploads/u/second.txt', Readable.from([Buffer.from('never answered')])), UNAVAILABLE)
  await t.rejects(storage.size('uploads/u/first.txt'), UNAVAILABLE)
})
