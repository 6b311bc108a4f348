// A real S3-compatible server for the test (s3rver), on a free port with a fresh bucket,
// stopped when the test ends. s3rver does not check signatures: tests of expiry and signing
// work at the URL level. stop() and start() take it away and bring it back on the same port and
// directory, as an endpoint that goes down and comes back.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'
import type { Test } from 'tap'

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export interface TestS3 {
  endpoint: string
  bucket: string
  directory: string
  /** Gone at once, as a killed process: every open connection is cut, new ones are refused. */
  stop(): Promise<void>
  /** Back on the same port, with the same files. */
  start(): Promise<void>
}

export async function startS3(t: Test, bucket = 'faena-test'): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 'faena-s3-'))
  let server: S3rver | undefined
  let port = 0
  const start = async () => {
    const s = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket, configs: [] }],
    })
    port = (await s.run()).port
    server = s
  }
  const stop = async () => {
    const s = server
    server = undefined
    if (!s) return
    ;(s as unknown as { httpServer: import('node:http').Server }).httpServer.closeAllConnections()
    await s.close()
  }
  await start()
  t.teardown(async () => {
    await stop()
    rmSync(directory, { recursive: true, force: true })
  })
  return { endpoint: `http://127.0.0.1:${port}`, bucket, directory, stop, start }
}
