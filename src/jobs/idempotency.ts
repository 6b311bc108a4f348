// Idempotency-Key on the requests that create jobs: a client that retries (a timeout, a lost
// answer) with the same key gets the job its first request created instead of a second one.
// A key belongs to its user and lives IDEMPOTENCY_TTL_MS; the same key with another request is
// a 422. The key is written in the job's own transaction, so a job and its key exist together.
import { createHash } from 'node:crypto'
import { configure } from 'safe-stable-stringify'
import type { Database } from '../db/database.js'
import { ConflictError, FaenaError, ValidationError } from '../errors.js'
import type { Queryable } from '../queue/types.js'
import type { Caller } from './caller.js'

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000

const HOLD_KEY = `
INSERT INTO idempotency_key (user_id, key, request_hash, job_id, expires_at)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision))
ON CONFLICT (user_id, key) DO UPDATE
   SET request_hash = EXCLUDED.request_hash, job_id = EXCLUDED.job_id, created_at = now(), expires_at = EXCLUDED.expires_at
 WHERE idempotency_key.expires_at <= now()`

export interface Idempotency {
  key: string
  /** What the key stands for: the route and the request, hashed (requestHash). */
  requestHash: string
}

/** What a key may be: 1 to 255 visible ASCII characters (the routes' header schema uses it too). */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7e]{1,255}$'
const validKey = new RegExp(IDEMPOTENCY_KEY_PATTERN)

/** The header's value, checked. */
export function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  if (typeof header !== 'string' || !validKey.test(header)) {
    throw new ValidationError('Idempotency-Key: must be 1 to 255 visible ASCII characters, sent once', {
      field: 'Idempotency-Key',
    })
  }
  return header
}

/** Deterministic JSON (keys sorted, at any depth): the same request in any key order, one text. */
const canonicalJson = configure({ deterministic: true, circularValue: Error, bigint: false })

/** SHA-256 of a route and a request, whatever the order of the request's keys. */
export function requestHash(route: string, request: unknown): string {
  return createHash('sha256')
    .update(route)
    .update('\n')
    .update(canonicalJson(request) ?? 'null')
    .digest('hex')
}

export class IdempotencyKeyReusedError extends FaenaError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used with another request; use a new key for a new request',
      422,
    )
  }
}

/** The job an earlier request with this key created, or null; 422 when that request was another. */
export async function replayedJobId(db: Database, caller: Caller, idem: Idempotency): Promise<string | null> {
  const row = await db.prisma.idempotencyKey.findUnique({
    where: { userId_key: { userId: caller.userId, key: idem.key } },
  })
  if (!row || row.expiresAt <= new Date()) return null
  if (row.requestHash !== idem.requestHash) throw new IdempotencyKeyReusedError()
  return row.jobId
}

/**
 * Records the key for `jobId`, in the job's transaction. An expired key is taken over; a live
 * one means a request with the same key was just served (a race): 409, the job is rolled back,
 * and the client's retry gets that request's job.
 */
export async function holdKey(tx: Queryable, caller: Caller, idem: Idempotency, jobId: string): Promise<void> {
  const { rowCount: held } = await tx.query({
    text: HOLD_KEY,
    values: [caller.userId, idem.key, idem.requestHash, jobId, IDEMPOTENCY_TTL_MS / 1000],
  })
  if (held === 0) {
    throw new ConflictError(
      'IDEMPOTENCY_KEY_IN_USE',
      'a request with this Idempotency-Key was being served at the same time; send it again to get its job',
    )
  }
}
