// The same contract for both storage drivers: the local one on disk, the S3 one against a real
// S3-compatible server (s3rver) with multipart uploads.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { createLocalStorage } from '../../src/storage/local-storage.js'
import { createS3Storage } from '../../src/storage/s3-storage.js'
import type { Storage } from '../../src/storage/storage.js'
import { S3_CREDENTIALS, startS3 } from '../support/s3.js'
import { patternStream, sha256Of } from '../support/streams.js'

const MiB = 1024 * 1024

interface Driver {
  storage: Storage
  /** Every file or object the driver holds, to prove nothing partial is left behind. */
  leftovers(): string[]
}

const drivers: Record<string, (t: Test) => Promise<Driver>> = {
  async local(t) {
    const root = mkdtempSync(join(tmpdir(), 'faena-files-'))
    t.teardown(() => rmSync(root, { recursive: true, force: true }))
    const storage = createLocalStorage({
      root,
      publicUrl: 'http://localhost:1',
      signingSecret: 'k',
      defaultExpiresInSeconds: 60,
    })
    return {
      storage,
      leftovers: () =>
        readdirSync(root, { recursive: true, withFileTypes: true })
          .filter((d) => d.isFile())
          .map((d) => d.name),
    }
  },
  async s3(t) {
    const s3 = await startS3(t)
    const storage = createS3Storage({
      bucket: s3.bucket,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      defaultExpiresInSeconds: 60,
      timeouts: { connectMs: 5000, requestMs: 60_000, idleMs: 30_000 },
      client: { credentials: S3_CREDENTIALS },
    })
    t.teardown(() => storage.close())
    const leftovers = () =>
      readdirSync(s3.directory, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile() && !d.name.startsWith('.'))
        .map((d) => join(d.parentPath, d.name).slice(s3.directory.length))
    return { storage, leftovers }
  },
}

for (const [name, make] of Object.entries(drivers)) {
  t.test(`${name}: a 12 MiB stream goes in and comes back byte for byte`, async (t) => {
    const { storage } = await make(t)
    const expected = await sha256Of(patternStream(12 * MiB))
    const stored = await storage.put('uploads/u1/big.bin', patternStream(12 * MiB), {
      contentType: 'application/octet-stream',
    })
    t.same(stored, { key: 'uploads/u1/big.bin', size: 12 * MiB })
    t.equal(await storage.size('uploads/u1/big.bin'), 12 * MiB)
    t.same(await sha256Of(await storage.get('uploads/u1/big.bin')), expected)
    await storage.delete('uploads/u1/big.bin')
    t.equal(await storage.size('uploads/u1/big.bin'), null)
    await storage.delete('uploads/u1/big.bin')
    t.pass('delete is idempotent')
    await t.rejects(storage.get('uploads/u1/big.bin'), { code: 'FILE_NOT_FOUND', statusCode: 404 })
  })

  t.test(`${name}: a source that fails midway leaves nothing behind`, async (t) => {
    const { storage, leftovers } = await make(t)
    await storage.put('keep/me.txt', patternStream(10))
    await t.rejects(storage.put('uploads/broken.bin', patternStream(12 * MiB, { failAfter: 7 * MiB })), {
      message: /source failed midway/,
    })
    t.equal(await storage.size('uploads/broken.bin'), null)
    t.notMatch(leftovers().join('\n'), /broken/, 'no partial file or part')
    t.equal(await storage.size('keep/me.txt'), 10, 'what was stored before is intact')
  })

  t.test(`${name}: an aborted put stops and leaves nothing behind`, async (t) => {
    const { storage, leftovers } = await make(t)
    const controller = new AbortController()
    const source = patternStream(40 * MiB)
    let seen = 0
    source.on('data', (c: Buffer) => {
      seen += c.length
      if (seen >= 6 * MiB && !controller.signal.aborted) controller.abort(new Error('cancelled by test'))
    })
    await t.rejects(storage.put('uploads/aborted.bin', source, { signal: controller.signal }))
    t.equal(await storage.size('uploads/aborted.bin'), null)
    t.notMatch(leftovers().join('\n'), /aborted/)
  })

  t.test(`${name}: keys that could escape are refused`, async (t) => {
    const { storage } = await make(t)
    for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'a//b', '', 'spaces are bad', 'ü.txt']) {
      await t.rejects(storage.put(key, patternStream(1)), { code: 'INVALID_STORAGE_KEY' }, JSON.stringify(key))
    }
  })
}

t.test('s3: a presigned URL downloads the object over HTTP, with the file name asked for', async (t) => {
  const { storage } = await drivers.s3!(t)
  await storage.put('reports/r1.csv', patternStream(1000))
  const { url, expiresAt } = await storage.signedUrl('reports/r1.csv', {
    expiresInSeconds: 120,
    fileName: 'Informe año.csv',
  })
  t.match(url, /X-Amz-Expires=120/)
  t.match(url, /X-Amz-Signature=/)
  t.ok(Math.abs(expiresAt.getTime() - (Date.now() + 120_000)) < 5000)
  const res = await fetch(url)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-disposition'), /filename\*=UTF-8''Informe%20a%C3%B1o\.csv/)
  t.same(await sha256Of(res.body as unknown as AsyncIterable<Uint8Array>), await sha256Of(patternStream(1000)))
})
