// Follow links: a signed, short-lived credential that reads one job and nothing else. Every
// job-creating route answers with one (`followUrl`), so a web app's backend can submit a job
// and hand its user the link: the page opens it and follows the job, with no other credential.
// The token is `fl_<payload>.<signature>`: base64url JSON {j: job id, u: its owner, e: expiry
// in seconds}, signed as the local driver's download links are (storage/url-signature.ts)
// under a key derived from JWT_SECRET for this use alone (it is not a bearer token of any other
// kind, nor a file link). It is sent as `Authorization: Bearer fl_...`, and accepted only on
// GET /jobs/:id and GET /jobs/:id/events of its own job (src/http/plugins/auth.ts).
import { createHmac } from 'node:crypto'
import { sign, verify } from '../storage/url-signature.js'

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
  const key = createHmac('sha256', secret).update('faena follow links v1').digest('hex')
  return {
    sign({ jobId, userId }) {
      const expires = Math.floor(Date.now() / 1000) + ttlSeconds
      const payload = Buffer.from(JSON.stringify({ j: jobId, u: userId, e: expires })).toString('base64url')
      const sig = sign(key, { key: jobId, expires, name: userId })
      return { token: `${FOLLOW_PREFIX}${payload}.${sig}`, expiresAt: new Date(expires * 1000) }
    },
    verify(token) {
      if (!token.startsWith(FOLLOW_PREFIX)) return null
      const [payload, sig, extra] = token.slice(FOLLOW_PREFIX.length).split('.')
      if (!payload || !sig || extra !== undefined) return null
      try {
        const { j, u, e } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
        if (typeof j !== 'string' || typeof u !== 'string' || typeof e !== 'number') return null
        return verify(key, { key: j, expires: e, name: u }, sig) === 'ok' ? { jobId: j, userId: u } : null
      } catch {
        return null
      }
    },
  }
}
