// A real S3-compatible server for the test (s3rver), on a free port with a fresh bucket,
// stopped when the test ends. s3rver does not check signatures: tests of expiry and signing
// work at the URL level.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'
import type { Test } from 'tap'

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export async function startS3(t: Test, bucket = 'faena-test'): Promise<{ endpoint: string; bucket: string; directory: string }> {
  const directory = mkdtempSync(join(tmpdir(), 'faena-s3-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] })
  const { port } = await server.run()
  t.teardown(async () => {
    await server.close()
    rmSync(directory, { recursive: true, force: true })
  })
  return { endpoint: `http://127.0.0.1:${port}`, bucket, directory }
}
