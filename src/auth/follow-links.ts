// Follow links: a signed, short-lived credential that reads one job and nothing else. Every
// job-creating route answers with one (`followUrl`), so a web app's backend can submit a job
// and hand its user the link: the page opens it and follows the job, with no other credential.
// The token is `fl_<payload>.<signature>`: base64url JSON {j: job id, u: its owner, e: expiry
// in seconds}, HMAC-SHA256 under a key derived from JWT_SECRET for this use alone (it is not a
// bearer token of any other kind). It is sent as `Authorization: Bearer fl_...`, and accepted
// only on GET /jobs/:id and GET /jobs/:id/events of its own job (src/http/plugins/auth.ts).
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface FollowLink {
  jobId: string
  userId: string
}

export interface FollowLinks {
  /** A token for the job, valid `ttlSeconds` from now. */
  sign(link: FollowLink): { token: string; expiresAt: Date }
  /** The job and owner a token names, or null when it is forged, malformed or expired. */
  verify(token: string): FollowLink | null
}

export const FOLLOW_PREFIX = 'fl_'

export function createFollowLinks(secret: string, ttlSeconds: number): FollowLinks {
  const key = createHmac('sha256', secret).update('faena follow links v1').digest()
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest()
  return {
    sign({ jobId, userId }) {
      const expires = Math.floor(Date.now() / 1000) + ttlSeconds
      const payload = Buffer.from(JSON.stringify({ j: jobId, u: userId, e: expires })).toString('base64url')
      return {
        token: `${FOLLOW_PREFIX}${payload}.${mac(payload).toString('base64url')}`,
        expiresAt: new Date(expires * 1000),
      }
    },
    verify(token) {
      if (!token.startsWith(FOLLOW_PREFIX)) return null
      const [payload, sig, extra] = token.slice(FOLLOW_PREFIX.length).split('.')
      if (!payload || !sig || extra !== undefined) return null
      const given = Buffer.from(sig, 'base64url')
      const wanted = mac(payload)
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return null
      try {
        const { j, u, e } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
        if (typeof j !== 'string' || typeof u !== 'string' || typeof e !== 'number') return null
        return e * 1000 > Date.now() ? { jobId: j, userId: u } : null
      } catch {
        return null
      }
    },
  }
}
