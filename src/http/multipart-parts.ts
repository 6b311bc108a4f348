// Multipart requests, for the upload routes: a body that cannot be parsed as multipart (no
// boundary, cut short, garbage) is a 400 that says so, not a 500; a form's one file goes to
// storage as it arrives.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ValidationError } from '../errors.js'
import { type Storage, StorageUnavailableError } from '../storage/storage.js'
import {
  type Sniffer,
  type StoredUpload,
  safeFileName,
  storeUpload,
  UnsupportedFileError,
  UploadTooLargeError,
} from '../storage/store-upload.js'

/**
 * An upload refused before its end (too large, not a file we take, the storage gone): the rest
 * of the request will not be read, so the connection closes after the answer instead of
 * staying open, unread, until its keep-alive timeout.
 */
export function closeIfRefusedEarly(reply: FastifyReply, err: unknown): void {
  if (
    err instanceof UploadTooLargeError ||
    err instanceof UnsupportedFileError ||
    err instanceof StorageUnavailableError
  )
    reply.header('connection', 'close')
}

type Part = Awaited<ReturnType<FastifyRequest['parts']> extends AsyncIterableIterator<infer P> ? P : never>

export async function* multipartParts(request: FastifyRequest): AsyncGenerator<Part> {
  const parts = request.parts()[Symbol.asyncIterator]()
  for (;;) {
    let next: IteratorResult<Part>
    try {
      next = await parts.next()
    } catch (err) {
      const status = (err as { statusCode?: unknown }).statusCode
      if (typeof status === 'number' && status < 500) throw err // the plugin's own 4xx (too large, ...)
      throw new ValidationError(`the multipart body is malformed: ${(err as Error).message}`)
    }
    if (next.done) return
    yield next.value
  }
}

/**
 * A multipart form with one file: the file streamed into storage as it arrives (storeUpload,
 * checked by `sniff`), the other parts as text fields. Only one file, in `fileField`; a file
 * past `maxBytes` is a 413. On any failure the stored file is removed; after success the
 * caller owns it.
 */
export async function readUploadForm<K extends string>(
  request: FastifyRequest,
  storage: Storage,
  o: { fileField: string; sniff: Sniffer<K>; maxBytes: number; missing: string },
): Promise<{ upload: StoredUpload<K>; fields: Record<string, string> }> {
  const fields: Record<string, string> = {}
  let upload: StoredUpload<K> | undefined
  try {
    for await (const part of multipartParts(request)) {
      if (part.type !== 'file') {
        fields[part.fieldname] = String(part.value)
        continue
      }
      if (part.fieldname !== o.fileField || upload) {
        part.file.resume()
        throw new ValidationError(`${part.fieldname}: only one file, in the field "${o.fileField}", is accepted`)
      }
      upload = await storeUpload(storage, part.file, safeFileName(part.filename), o.sniff)
    }
    if (!upload) throw new ValidationError(o.missing, { field: o.fileField })
    return { upload, fields }
  } catch (err) {
    if (upload) await storage.delete(upload.key).catch(() => {})
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new UploadTooLargeError(o.maxBytes, 'MAX_UPLOAD_BYTES', o.fileField === 'file' ? 'the file' : o.fileField)
    }
    throw err
  }
}
