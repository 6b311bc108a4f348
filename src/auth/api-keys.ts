// Service keys: for the backends that submit jobs, instead of a user's token. A key is shown once,
// as `fk_<id>_<secret>`, and stored only as the SHA-256 of its secret (32 random bytes: a slow
// hash adds nothing to a secret nobody chose). It acts for its owner, within its scopes:
// `jobs:submit` (or `jobs:submit:<type>`), `jobs:read`, `jobs:act`. Every request looks the key
// up (one primary-key read): a revoked or expired key is refused at once, on every node.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Pool } from 'pg'
import { NotFoundError, UnauthorizedError, ValidationError } from '../errors.js'
import { type Caller, hasRole } from '../jobs/caller.js'

export const KEY_PREFIX = 'fk_'
const KEY = /^fk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/
export const SCOPE = /^(jobs:submit(:[a-z0-9][a-z0-9._-]*)?|jobs:read|jobs:act)$/

export interface ApiKeyView {
  id: string
  userId: string
  name: string
  scopes: string[]
  createdAt: string
  expiresAt: string | null
  revokedAt: string | null
}

export interface ApiKeys {
  create(
    owner: Caller,
    input: { name: string; scopes: string[]; expiresAt?: string },
  ): Promise<ApiKeyView & { key: string }>
  list(caller: Caller): Promise<ApiKeyView[]>
  revoke(caller: Caller, id: string): Promise<void>
  /** The caller a key stands for, or a 401. */
  verify(key: string): Promise<Caller>
}

const VIEW = `id, user_id AS "userId", name, scopes, created_at AS "createdAt", expires_at AS "expiresAt", revoked_at AS "revokedAt"`
const sha256 = (s: string) => createHash('sha256').update(s).digest()

export function createApiKeys(pool: Pool): ApiKeys {
  return {
    async create(owner, { name, scopes, expiresAt }) {
      const bad = scopes.find((s) => !SCOPE.test(s))
      if (bad !== undefined)
        throw new ValidationError(`scopes: ${JSON.stringify(bad)} is not jobs:submit[:<type>], jobs:read or jobs:act`)
      if (expiresAt !== undefined && Date.parse(expiresAt) <= Date.now())
        throw new ValidationError('expiresAt: must be in the future')
      const id = randomBytes(8).toString('hex')
      const secret = randomBytes(32).toString('base64url')
      const { rows } = await pool.query<ApiKeyView>(
        `INSERT INTO api_key (id, user_id, name, scopes, secret_hash, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING ${VIEW}`,
        [id, owner.userId, name, [...new Set(scopes)], sha256(secret).toString('hex'), expiresAt ?? null],
      )
      return { ...view(rows[0]!), key: `${KEY_PREFIX}${id}_${secret}` }
    },
    async list(caller) {
      const all = hasRole(caller, 'admin')
      const { rows } = await pool.query<ApiKeyView>(
        `SELECT ${VIEW} FROM api_key WHERE $1::text IS NULL OR user_id = $1 ORDER BY created_at DESC, id`,
        [all ? null : caller.userId],
      )
      return rows.map(view)
    },
    async revoke(caller, id) {
      const { rowCount } = await pool.query(
        `UPDATE api_key SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND ($2::text IS NULL OR user_id = $2)`,
        [id, hasRole(caller, 'admin') ? null : caller.userId],
      )
      if (rowCount === 0) throw new NotFoundError('api key', id)
    },
    async verify(key) {
      const m = KEY.exec(key)
      if (!m) throw new UnauthorizedError()
      const { rows } = await pool.query<{ user_id: string; scopes: string[]; secret_hash: string }>(
        `SELECT user_id, scopes, secret_hash FROM api_key
          WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
        [m[1]],
      )
      const row = rows[0]
      const given = sha256(m[2]!)
      if (!row || !timingSafeEqual(given, Buffer.from(row.secret_hash, 'hex'))) throw new UnauthorizedError()
      return { userId: row.user_id, admin: false, scopes: row.scopes, keyId: m[1]! }
    },
  }
}

function view(r: ApiKeyView): ApiKeyView {
  const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : (d as string | null))
  return { ...r, createdAt: iso(r.createdAt)!, expiresAt: iso(r.expiresAt), revokedAt: iso(r.revokedAt) }
}
