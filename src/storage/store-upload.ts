// Streams an uploaded file into storage while it arrives: its kind is decided on the first
// bytes (by content, whatever its name), its SHA-256 and size computed on the way. Any failure
// (too large, wrong kind, client gone) leaves nothing in storage.
import { createHash, randomUUID } from 'node:crypto'
import { pipeline, type Readable, Transform } from 'node:stream'
import { FaenaError } from '../errors.js'
import { observe } from './observe-stream.js'
import { type Storage, StorageUnavailableError } from './storage.js'

export interface StoredUpload<K extends string = string> {
  key: string
  fileName: string
  size: number
  sha256: string
  kind: K
}

/** What a file is from its first bytes, or why it is refused (then thrown, e.g. a 415). */
export type Sniffer<K extends string> = (head: Buffer) => K

const SNIFF_BYTES = 4096

export class UnsupportedFileError extends FaenaError {
  constructor(message: string) {
    super('UNSUPPORTED_FILE', message, 415)
  }
}

export class UploadTooLargeError extends FaenaError {
  constructor(maxBytes: number, setting: string, what = 'the file') {
    super(
      'UPLOAD_TOO_LARGE',
      `${what} is larger than the ${maxBytes} bytes allowed (${setting}); nothing was kept`,
      413,
      { maxBytes },
    )
  }
}

/** Holds back the first bytes until the sniffer has decided; fails the stream when it refuses. */
function kindGate<K extends string>(sniff: Sniffer<K>, onKind: (k: K) => void): Transform {
  let head: Buffer[] = []
  let seen = 0
  let decided = false
  const decide = (stream: Transform): unknown => {
    decided = true
    try {
      onKind(sniff(Buffer.concat(head)))
    } catch (err) {
      return err
    }
    for (const c of head) stream.push(c)
    head = []
    return null
  }
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (decided) return done(null, chunk)
      head.push(chunk)
      seen += chunk.length
      done((seen >= SNIFF_BYTES ? decide(this) : null) as Error | null)
    },
    flush(done) {
      done((decided ? null : decide(this)) as Error | null)
    },
  })
}

export async function storeUpload<K extends string>(
  storage: Storage,
  file: Readable,
  fileName: string,
  sniff: Sniffer<K>,
): Promise<StoredUpload<K>> {
  const hash = createHash('sha256')
  let kind: K | undefined
  const hasher = observe((chunk) => hash.update(chunk))
  const key = `uploads/${randomUUID()}`
  // pipeline() destroys every stage on the first error, so the storage's put sees it and
  // removes what it wrote.
  let sourceError: unknown
  file.once('error', (err) => (sourceError = err))
  const body = pipeline(
    file,
    kindGate(sniff, (k) => (kind = k)),
    hasher,
    () => {},
  )
  try {
    const stored = await storage.put(key, body)
    return { key, fileName, size: stored.size, sha256: hash.digest('hex'), kind: kind! }
  } catch (err) {
    await storage.delete(key).catch(() => {})
    // The storage going away stops the reading of the file too: that is not the client's fault.
    if (err instanceof StorageUnavailableError) throw err
    throw sourceError ? asClientError(sourceError) : err
  }
}

/** What went wrong with the bytes the client sent: its own 4xx (too large), or cut short / malformed. */
function asClientError(err: unknown): unknown {
  const status = (err as { statusCode?: unknown }).statusCode
  if (err instanceof FaenaError || (typeof status === 'number' && status < 500)) return err
  return new FaenaError(
    'UPLOAD_INCOMPLETE',
    `the file did not arrive whole (${(err as Error).message}); nothing was kept`,
    400,
  )
}

/** The client's file name, as a label only (storage keys never come from it). */
export function safeFileName(name: string | undefined, fallback = 'upload'): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? ''
  const clean = base
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 255)
  return clean || fallback
}
