// Bearer tokens: HS256 JWTs with `sub` (the user id) and `exp`; `role: "admin"` sees every
// user's jobs; `iss` and `aud` are checked when configured. Any standard JWT library with the
// same secret can mint them. The algorithm is pinned, 30 s of clock skew is allowed, and every
// failure is the same 401.
import { createSigner, createVerifier } from 'fast-jwt'
import { UnauthorizedError } from '../errors.js'
import type { Caller } from '../jobs/caller.js'

export interface TokenService {
  verify(token: string): Caller
  sign(userId: string, opts?: { admin?: boolean; expiresInSeconds?: number }): string
}

export interface TokenChecks {
  /** Required `iss`, when set. */
  issuer?: string | undefined
  /** Required `aud`, when set. */
  audience?: string | undefined
}

export function createTokenService(secret: string, checks: TokenChecks = {}): TokenService {
  const verifier = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    clockTolerance: 30_000,
    requiredClaims: ['sub', 'exp', ...(checks.issuer ? ['iss'] : []), ...(checks.audience ? ['aud'] : [])],
    ...(checks.issuer ? { allowedIss: checks.issuer } : {}),
    ...(checks.audience ? { allowedAud: checks.audience } : {}),
    cache: 1000,
  })
  return {
    verify(token) {
      let claims: { sub?: unknown; role?: unknown }
      try {
        claims = verifier(token) as typeof claims
      } catch {
        throw new UnauthorizedError()
      }
      if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 200)
        throw new UnauthorizedError()
      return { userId: claims.sub, admin: claims.role === 'admin' }
    },
    sign(userId, opts = {}) {
      const signer = createSigner({
        key: secret,
        algorithm: 'HS256',
        expiresIn: (opts.expiresInSeconds ?? 12 * 3600) * 1000,
        ...(checks.issuer ? { iss: checks.issuer } : {}),
        ...(checks.audience ? { aud: checks.audience } : {}),
      })
      return signer({ sub: userId, ...(opts.admin ? { role: 'admin' } : {}) })
    },
  }
}
