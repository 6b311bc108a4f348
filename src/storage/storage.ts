// The storage layer: one interface, two drivers (local disk, S3). Files are streamed in and
// out, never held whole in memory, and a failed or aborted put leaves nothing behind.
import type { Readable } from 'node:stream'
import { FaenaError } from '../errors.js'

export interface PutOptions {
  contentType?: string
  /** Aborting it stops the upload and removes what was written. */
  signal?: AbortSignal
}

export interface StoredObject {
  key: string
  size: number
}

export interface SignedUrl {
  url: string
  expiresAt: Date
}

export interface Storage {
  readonly driver: 'local' | 's3'
  /** Streams `body` to `key`. On error or abort the partial object is removed and it rejects. */
  put(key: string, body: Readable, opts?: PutOptions): Promise<StoredObject>
  /** A stream of the object; rejects with StorageNotFoundError when it does not exist. */
  get(key: string): Promise<Readable>
  /** Size in bytes, or null when the object does not exist. */
  size(key: string): Promise<number | null>
  /** Idempotent. */
  delete(key: string): Promise<void>
  /** A URL that downloads the object without other credentials until it expires. */
  signedUrl(key: string, opts?: { expiresInSeconds?: number; fileName?: string }): Promise<SignedUrl>
  /**
   * Removes what puts abandoned by a dead process left (a local partial file, an incomplete S3
   * multipart upload) untouched for `olderThanMs`; returns how many. A live put is never older.
   * Rejects with StorageUnsupportedError where the server cannot list them.
   */
  removeAbandoned(olderThanMs: number): Promise<number>
  /** Idempotent. */
  close(): Promise<void>
}

/** What this storage server cannot do at all (not a passing failure): the message says what instead. */
export class StorageUnsupportedError extends FaenaError {
  constructor(message: string) {
    super('STORAGE_UNSUPPORTED', message, 501)
  }
}

/**
 * The storage server is down, unreachable, too slow or failing for a passing reason (a refused
 * or reset connection, a timeout, a 5xx): worth another try later. A job that meets it is
 * retried; an upload answers 503.
 */
export class StorageUnavailableError extends FaenaError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      'STORAGE_UNAVAILABLE',
      `the file storage is unavailable (${reason}); try again later`,
      503,
      undefined,
      options,
    )
  }

  override get retryable(): boolean {
    return true
  }
}

export class StorageNotFoundError extends FaenaError {
  constructor(key: string) {
    super('FILE_NOT_FOUND', `no stored file ${key}`, 404)
  }
}

/** Keys are made by faena, never taken from users as they are: a safe relative path. */
export function assertValidKey(key: string): void {
  const ok =
    key.length > 0 &&
    key.length <= 512 &&
    /^[A-Za-z0-9._\-/]+$/.test(key) &&
    !key.startsWith('/') &&
    key.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')
  if (!ok) throw new FaenaError('INVALID_STORAGE_KEY', `invalid storage key ${JSON.stringify(key)}`, 400)
}

/** RFC 6266 attachment header: an ASCII fallback name and the exact UTF-8 one. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
}
