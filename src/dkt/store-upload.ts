// Streams an uploaded file into storage while it arrives: its kind is checked on the first
// bytes (CSV or XLSX by content, whatever its name), its SHA-256 and size computed on the way.
// Any failure (too large, wrong kind, client gone) leaves nothing in storage.
import { createHash, randomUUID } from 'node:crypto'
import { pipeline, Transform, type Readable } from 'node:stream'
import { FaenaError } from '../errors.js'
import { observe } from '../storage/observe-stream.js'
import type { Storage } from '../storage/storage.js'
import { sniffFileKind, type FileKind } from './file-kind.js'

export interface StoredUpload {
  key: string
  fileName: string
  size: number
  sha256: string
  kind: FileKind
}

const SNIFF_BYTES = 4096

export class UnsupportedFileError extends FaenaError {
  constructor(reason: string) {
    super('UNSUPPORTED_FILE', `the file is neither CSV nor XLSX: ${reason}`, 415)
  }
}

export class UploadTooLargeError extends FaenaError {
  constructor(maxBytes: number) {
    super('UPLOAD_TOO_LARGE', `the file is larger than the ${maxBytes} bytes allowed (MAX_UPLOAD_BYTES); nothing was kept`, 413, { maxBytes })
  }
}

/** Holds back the first bytes until it knows the kind; fails the stream when it is not CSV/XLSX. */
function kindGate(onKind: (k: FileKind) => void): Transform {
  let head: Buffer[] = []
  let seen = 0
  let decided = false
  const decide = (stream: Transform): Error | null => {
    decided = true
    const sniffed = sniffFileKind(Buffer.concat(head))
    if (sniffed.kind === null) return new UnsupportedFileError(sniffed.reason)
    onKind(sniffed.kind)
    for (const c of head) stream.push(c)
    head = []
    return null
  }
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (decided) return done(null, chunk)
      head.push(chunk)
      seen += chunk.length
      done(seen >= SNIFF_BYTES ? decide(this) : null)
    },
    flush(done) {
      done(decided ? null : decide(this))
    },
  })
}

export async function storeUpload(storage: Storage, file: Readable, fileName: string): Promise<StoredUpload> {
  const hash = createHash('sha256')
  let kind: FileKind | undefined
  const hasher = observe((chunk) => hash.update(chunk))
  const key = `uploads/${randomUUID()}`
  // pipeline() destroys every stage on the first error, so the storage's put sees it and
  // removes what it wrote.
  const body = pipeline(file, kindGate((k) => (kind = k)), hasher, () => {})
  try {
    const stored = await storage.put(key, body)
    return { key, fileName, size: stored.size, sha256: hash.digest('hex'), kind: kind! }
  } catch (err) {
    await storage.delete(key).catch(() => {})
    throw err
  }
}
