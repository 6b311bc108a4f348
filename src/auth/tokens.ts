// Bearer tokens, two kinds, told apart by the algorithm in their header:
// - HS256, signed with JWT_SECRET (development and simple setups; faena's own dev tokens). Any
//   standard JWT library with the same secret can mint them.
// - RS256, ES256 or EdDSA (JWT_ALGORITHMS), signed by the organisation's identity provider, whose
//   keys come from its JWKS (jwks.ts). Verified by jose; a verified token is remembered until it
//   expires, so a client that sends the same token on every request pays the signature once.
// Neither kind takes the other's algorithms: `none`, and HS256 over a public key, are refused.
// `sub` (JWT_USER_CLAIM) is the user id; the caller's role is the highest of `role` and the roles
// at JWT_ROLES_CLAIM (a dotted path, for example Keycloak's realm_access.roles) among viewer,
// operator and admin (src/jobs/caller.ts). `iss` and `aud` are checked when configured; 30 s of clock skew is allowed; every failure
// is the same 401, which names nothing about the keys.
import { createSigner, createVerifier } from 'fast-jwt'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { LRUCache } from 'lru-cache'
import { UnauthorizedError } from '../errors.js'
import { type Caller, highestRole, type Role } from '../jobs/caller.js'
import type { JwksKeys } from './jwks.js'

export interface TokenService {
  verify(token: string): Promise<Caller>
  sign(userId: string, opts?: { admin?: boolean; role?: Role; expiresInSeconds?: number }): string
}

export interface TokenChecks {
  /** Required `iss`, when set. */
  issuer?: string | undefined
  /** Required `aud`, when set. */
  audience?: string | undefined
  /** The claim that names the user (default `sub`). */
  userClaim?: string | undefined
  /** A dotted path to the caller's roles (an array, or a space-separated string). */
  rolesClaim?: string | undefined
}

export interface ProviderTokens {
  keys: JwksKeys
  /** Required `iss` of the provider's tokens (default: TokenChecks' issuer). */
  issuer?: string | undefined
  /** Asymmetric algorithms accepted (default RS256, ES256, EdDSA). */
  algorithms?: string[]
}

export const PROVIDER_ALGORITHMS = ['RS256', 'ES256', 'EdDSA']
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/
const SKEW_SECONDS = 30

export function createTokenService(secret: string, checks: TokenChecks = {}, provider?: ProviderTokens): TokenService {
  const verifier = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    clockTolerance: SKEW_SECONDS * 1000,
    requiredClaims: ['exp', ...(checks.issuer ? ['iss'] : []), ...(checks.audience ? ['aud'] : [])],
    ...(checks.issuer ? { allowedIss: checks.issuer } : {}),
    ...(checks.audience ? { allowedAud: checks.audience } : {}),
    cache: 1000,
  })
  const algorithms = (provider?.algorithms ?? PROVIDER_ALGORITHMS).filter((a) => ASYMMETRIC.test(a))
  const issuer = provider?.issuer ?? checks.issuer
  const verified = new LRUCache<string, { caller: Caller; expiresAt: number }>({ max: 10_000 })

  async function fromProvider(token: string): Promise<Caller> {
    const hit = verified.get(token)
    if (hit && hit.expiresAt > Date.now()) return hit.caller
    const { payload } = await jwtVerify(token, provider!.keys.getKey, {
      algorithms,
      clockTolerance: SKEW_SECONDS,
      requiredClaims: ['exp'],
      ...(issuer ? { issuer } : {}),
      ...(checks.audience ? { audience: checks.audience } : {}),
    })
    const caller = callerOf(payload, checks)
    verified.set(token, { caller, expiresAt: (payload.exp! + SKEW_SECONDS) * 1000 })
    return caller
  }

  return {
    async verify(token) {
      try {
        if (!provider) return callerOf(verifier(token), checks)
        const { alg } = decodeProtectedHeader(token)
        if (alg === 'HS256') return callerOf(verifier(token), checks)
        if (alg && algorithms.includes(alg)) return await fromProvider(token)
      } catch {}
      throw new UnauthorizedError()
    },
    sign(userId, opts = {}) {
      const signer = createSigner({
        key: secret,
        algorithm: 'HS256',
        expiresIn: (opts.expiresInSeconds ?? 12 * 3600) * 1000,
        ...(checks.issuer ? { iss: checks.issuer } : {}),
        ...(checks.audience ? { aud: checks.audience } : {}),
      })
      const role = opts.role ?? (opts.admin ? 'admin' : undefined)
      return signer({ sub: userId, ...(role ? { role } : {}) })
    },
  }
}

/** The caller a verified token's claims name; throws when they name no usable user. */
function callerOf(claims: Record<string, unknown>, checks: TokenChecks): Caller {
  const user = at(claims, checks.userClaim ?? 'sub')
  if (typeof user !== 'string' || user.length === 0 || user.length > 200) throw new UnauthorizedError()
  const roles = checks.rolesClaim ? at(claims, checks.rolesClaim) : undefined
  const list = Array.isArray(roles) ? roles : typeof roles === 'string' ? roles.split(' ') : []
  const role = highestRole([claims.role, ...list])
  return role ? { userId: user, admin: role === 'admin', role } : { userId: user, admin: false }
}

/** The value at a dotted path of a claims object (a claim name with no dot is itself). */
function at(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path]
  let value: unknown = claims
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}
