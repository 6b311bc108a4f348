// S3 driver (any S3-compatible server through `endpoint` + `forcePathStyle`). Puts are
// multipart uploads through @aws-sdk/lib-storage, fed from the stream part by part (at most
// queueSize x partSize bytes in memory); on failure or abort the multipart upload is aborted,
// so no partial object remains. Downloads are presigned GET URLs.
//
// Every call has a connection timeout, a request timeout (sending the request, a whole part
// included, until the answer's headers) and an idle timeout (a socket that moves nothing, as
// while the endpoint is gone, or a download that stalls): an outage ends the call within
// seconds, after the SDK's own quick retries, instead of holding a job's thread for hours. Such
// passing failures come out as StorageUnavailableError (retryable, 503); the rest as they are.

import { pipeline, type Readable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { isThrottlingError, isTransientError } from '@smithy/core/retry'
import { observe } from './observe-stream.js'
import {
  assertValidKey,
  contentDisposition,
  type Storage,
  StorageNotFoundError,
  StorageUnavailableError,
  StorageUnsupportedError,
} from './storage.js'

/** How long the driver waits on its endpoint (src/config/schema.ts: S3_*_TIMEOUT_MS). */
export interface S3Timeouts {
  connectMs: number
  requestMs: number
  idleMs: number
}

export interface S3StorageOptions {
  bucket: string
  region: string
  endpoint?: string | undefined
  forcePathStyle: boolean
  defaultExpiresInSeconds: number
  /** Multipart part size in bytes (S3's minimum is 5 MiB). */
  partSize?: number
  timeouts: S3Timeouts
  /** Extra client settings (credentials in tests; normally the SDK's default chain). */
  client?: Partial<S3ClientConfig>
}

/** A failure that says nothing about the request itself: the endpoint is down, slow or failing. */
function unavailable(err: unknown): StorageUnavailableError | null {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | null
  if (!e || typeof e !== 'object') return null
  const sdkError = e as Parameters<typeof isTransientError>[0]
  if (!isTransientError(sdkError) && !isThrottlingError(sdkError)) return null
  const status = e.$metadata?.httpStatusCode
  const reason = e.code ?? (status && status >= 500 ? `HTTP ${status}` : (e.name ?? 'no answer'))
  return new StorageUnavailableError(reason, { cause: err })
}

/** Rethrows an outage as StorageUnavailableError. */
const rethrow = (err: unknown): never => {
  throw unavailable(err) ?? err
}

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404
}

export function createS3Storage(o: S3StorageOptions): Storage {
  const client = new S3Client({
    region: o.region,
    forcePathStyle: o.forcePathStyle,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    requestHandler: {
      connectionTimeout: o.timeouts.connectMs,
      requestTimeout: o.timeouts.requestMs,
      throwOnRequestTimeout: true,
      socketTimeout: o.timeouts.idleMs,
    },
    ...o.client,
  })
  const Bucket = o.bucket
  let closed = false

  /**
   * lib-storage aborts a failed multipart upload once; when that abort met the outage that
   * failed the upload, the parts stay on the server (invisible, but billed). Keep trying in the
   * background for about a minute, so that an endpoint back within it ends with nothing left;
   * past that, the retention sweep (removeAbandoned) or a bucket lifecycle rule removes them.
   */
  function abortLeftOver(upload: Upload, key: string): void {
    // lib-storage's own fields: the command is cleared once the abort went through.
    const state = upload as unknown as { uploadId?: string; abortMultipartUploadCommand: unknown }
    const UploadId = state.uploadId
    if (!UploadId || state.abortMultipartUploadCommand === null) return
    let delay = 1000
    const attempt = () => {
      if (closed) return
      client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId })).catch((err: unknown) => {
        if (isNotFound(err) || (err as { name?: string })?.name === 'NoSuchUpload' || delay > 32_000) return
        delay *= 2
        setTimeout(attempt, delay).unref()
      })
    }
    setTimeout(attempt, delay).unref()
  }

  return {
    driver: 's3',
    async put(key, body, opts = {}) {
      assertValidKey(key)
      let size = 0
      let sourceError: Error | undefined
      // The source's own failure; not the AbortError it gets when the upload, failing, stops
      // reading it (that one is a consequence: the upload's error is the cause).
      body.once('error', (err) => {
        if (err.name !== 'AbortError') sourceError = err
      })
      // pipeline() fails the counting stage, and so the upload, when the source fails.
      const counted = pipeline(
        body,
        observe((chunk) => (size += chunk.length)),
        () => {},
      )
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: counted, ...(opts.contentType ? { ContentType: opts.contentType } : {}) },
        queueSize: 2,
        partSize: o.partSize ?? 5 * 1024 * 1024,
        leavePartsOnError: false,
      })
      const onAbort = () => void upload.abort().catch(() => {})
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      try {
        opts.signal?.throwIfAborted()
        await upload.done()
        return { key, size }
      } catch (err) {
        counted.destroy()
        // A small file goes up as a single PUT that may already have landed: remove it.
        await client.send(new DeleteObjectCommand({ Bucket, Key: key })).catch(() => {})
        abortLeftOver(upload, key)
        // Report the cause, not a follow-up failure of the clean-up.
        throw sourceError ?? unavailable(err) ?? (opts.signal?.aborted ? (opts.signal.reason ?? err) : err)
      } finally {
        opts.signal?.removeEventListener('abort', onAbort)
      }
    },
    async get(key) {
      assertValidKey(key)
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }))
        return out.Body as Readable
      } catch (err) {
        if (isNotFound(err)) throw new StorageNotFoundError(key)
        return rethrow(err)
      }
    },
    async size(key) {
      assertValidKey(key)
      try {
        return (await client.send(new HeadObjectCommand({ Bucket, Key: key }))).ContentLength ?? 0
      } catch (err) {
        if (isNotFound(err)) return null
        return rethrow(err)
      }
    },
    async delete(key) {
      assertValidKey(key)
      await client.send(new DeleteObjectCommand({ Bucket, Key: key })).catch(rethrow)
    },
    async signedUrl(key, opts = {}) {
      assertValidKey(key)
      const expiresIn = opts.expiresInSeconds ?? o.defaultExpiresInSeconds
      const command = new GetObjectCommand({
        Bucket,
        Key: key,
        ...(opts.fileName ? { ResponseContentDisposition: contentDisposition(opts.fileName) } : {}),
      })
      const url = await getSignedUrl(client, command, { expiresIn })
      return { url, expiresAt: new Date(Date.now() + expiresIn * 1000) }
    },
    async removeAbandoned(olderThanMs) {
      const before = Date.now() - olderThanMs
      let removed = 0
      let marker: { KeyMarker?: string; UploadIdMarker?: string } = {}
      for (;;) {
        const page = await client
          .send(new ListMultipartUploadsCommand({ Bucket: o.bucket, ...marker }))
          .catch((err: unknown) => {
            if ((err as { name?: unknown })?.name !== 'NotImplemented') throw err
            throw new StorageUnsupportedError(
              'this S3-compatible server cannot list multipart uploads, so those left by dead processes are not removed here; a bucket lifecycle rule (AbortIncompleteMultipartUpload) does it',
            )
          })
        for (const u of page.Uploads ?? []) {
          if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated.getTime() >= before) continue
          await client.send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: u.Key, UploadId: u.UploadId }))
          removed++
        }
        if (!page.IsTruncated) return removed
        marker = {
          ...(page.NextKeyMarker ? { KeyMarker: page.NextKeyMarker } : {}),
          ...(page.NextUploadIdMarker ? { UploadIdMarker: page.NextUploadIdMarker } : {}),
        }
      }
    },
    async close() {
      if (closed) return
      closed = true
      client.destroy()
    },
  }
}
