// Builds the configured storage driver from plain, serialisable settings, so that a worker
// thread can build its own client from the same settings as the main thread.
import { createHmac } from 'node:crypto'
import { join } from 'node:path'
import type { Config } from '../config/schema.js'
import type { S3Timeouts } from './s3-storage.js'
import type { Storage } from './storage.js'

export type StorageSettings =
  | { driver: 'local'; root: string; publicUrl: string; signingSecret: string; expiresInSeconds: number }
  | {
      driver: 's3'
      bucket: string
      region: string
      endpoint?: string | undefined
      forcePathStyle: boolean
      expiresInSeconds: number
      timeouts: S3Timeouts
    }

/** The local driver's URL-signing key, derived from the JWT secret (one secret to manage). */
export function fileSigningSecret(jwtSecret: string): string {
  return createHmac('sha256', jwtSecret).update('faena local file urls').digest('hex')
}

export function storageSettings(config: Config, jwtSecret: string): StorageSettings {
  if (config.STORAGE === 's3') {
    return {
      driver: 's3',
      bucket: config.S3_BUCKET!,
      region: config.AWS_REGION,
      endpoint: config.S3_ENDPOINT,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      expiresInSeconds: config.PRESIGNED_EXPIRES,
      timeouts: {
        connectMs: config.S3_CONNECT_TIMEOUT_MS,
        requestMs: config.S3_REQUEST_TIMEOUT_MS,
        idleMs: config.S3_IDLE_TIMEOUT_MS,
      },
    }
  }
  return {
    driver: 'local',
    root: join(config.DATA_DIR, 'files'),
    publicUrl: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
    signingSecret: fileSigningSecret(jwtSecret),
    expiresInSeconds: config.PRESIGNED_EXPIRES,
  }
}

/** Loads only the configured driver: the AWS SDK costs every thread memory when it is not used. */
export async function createStorage(s: StorageSettings): Promise<Storage> {
  if (s.driver === 's3') {
    const { createS3Storage } = await import('./s3-storage.js')
    return createS3Storage({
      bucket: s.bucket,
      region: s.region,
      endpoint: s.endpoint,
      forcePathStyle: s.forcePathStyle,
      defaultExpiresInSeconds: s.expiresInSeconds,
      timeouts: s.timeouts,
    })
  }
  const { createLocalStorage } = await import('./local-storage.js')
  return createLocalStorage({
    root: s.root,
    publicUrl: s.publicUrl,
    signingSecret: s.signingSecret,
    defaultExpiresInSeconds: s.expiresInSeconds,
  })
}
