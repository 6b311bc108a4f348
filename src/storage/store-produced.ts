// Bytes produced by our own code (a report being written, rows being re-encoded) streamed into
// storage as they come: no temp file, nothing whole in memory, and on any failure or abort the
// upload is aborted and nothing remains at the key.
import { PassThrough } from 'node:stream'
import { type Storage, StorageUnavailableError, type StoredObject } from './storage.js'

/** What may wait between a producer and storage before the producer is paused. */
export const PRODUCED_BUFFER = 1024 * 1024

/**
 * Streams what `write` writes (and ends) into storage at `key`. `write` gets the stream to write
 * to and should wait for it to drain. Aborting `signal` stops the upload.
 */
export async function storeProduced(
  storage: Storage,
  file: { key: string; contentType: string; signal?: AbortSignal },
  write: (body: PassThrough) => Promise<void>,
): Promise<StoredObject> {
  const body = new PassThrough({ highWaterMark: PRODUCED_BUFFER })
  const upload = new AbortController()
  const stopUpload = () => upload.abort(file.signal?.reason)
  file.signal?.addEventListener('abort', stopUpload, { once: true })
  const stored = storage.put(file.key, body, { contentType: file.contentType, signal: upload.signal })
  // A put that fails (storage gone) reads no more: the producer, waiting for room in `body`,
  // would wait forever. Destroyed with the put's error, `body` fails its writes and waits.
  stored.catch((err: unknown) => body.destroy(err instanceof Error ? err : new Error(String(err))))
  try {
    await write(body)
    const object = await stored
    file.signal?.throwIfAborted()
    return object
  } catch (err) {
    upload.abort(err)
    // Without the error: the aborted put no longer listens to the stream, so an 'error' event
    // would be uncaught; the error is thrown below.
    body.destroy()
    const putError = await stored.then(
      () => undefined,
      (e: unknown) => e,
    ) // the put removes what it wrote
    await storage.delete(file.key).catch(() => {}) // in case it had finished
    // When the storage went away first, the writer's error (a closed stream) is only its consequence.
    throw putError instanceof StorageUnavailableError ? putError : err
  } finally {
    file.signal?.removeEventListener('abort', stopUpload)
  }
}
