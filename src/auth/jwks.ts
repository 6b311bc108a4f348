// The identity provider's signing keys: a JWKS, at JWT_JWKS_URL or found through OIDC discovery
// (OIDC_ISSUER/.well-known/openid-configuration), held by jose's remote key set.
// - The keys are refreshed in the background every JWKS_REFRESH_MS. A token whose `kid` is not
//   among them makes one fetch at most per JWKS_COOLDOWN_MS, whatever the provider's state: a
//   flood of unknown kids does not reach it (jose alone would retry on every one while it is down).
// - While the provider is down the keys last fetched keep working, and the state says how stale
//   they are, for the readiness check. jose's own reloads (on cache expiry, on a key that does
//   not match) are off: every fetch is one of ours, so these two rules hold.
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose'
import type { Logger } from 'pino'
import { UnauthorizedError } from '../errors.js'

export interface JwksOptions {
  /** The JWKS itself, or null to discover it from `issuer`. */
  jwksUrl: string | null
  /** OIDC issuer: discovery, when `jwksUrl` is null. */
  issuer: string | null
  refreshMs: number
  cooldownMs: number
  logger: Logger
  /** For a fetch of the discovery document or the keys. */
  timeoutMs?: number
}

export interface JwksState {
  url: string | null
  /** When the keys were last fetched; null: never. */
  fetchedAt: string | null
  /** No fetch has succeeded for two refresh intervals (or none ever has). */
  stale: boolean
}

export interface JwksKeys {
  getKey: JWTVerifyGetKey
  state(): JwksState
  /** Fetches the keys (discovery first, when needed); resolves even when the provider is down. */
  start(): Promise<void>
  close(): void
}

export function createJwksKeys(o: JwksOptions): JwksKeys {
  const timeoutMs = o.timeoutMs ?? 5000
  let remote: ReturnType<typeof createRemoteJWKSet> | null = null
  let url: string | null = o.jwksUrl
  let fetchedAt = 0
  let lastTry = 0
  let timer: NodeJS.Timeout | undefined

  async function jwksUrl(): Promise<string> {
    if (url) return url
    const where = `${o.issuer!.replace(/\/$/, '')}/.well-known/openid-configuration`
    const res = await fetch(where, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' })
    if (res.status !== 200) throw new Error(`OIDC discovery: ${where} answered ${res.status}`)
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown }
    if (doc.issuer !== o.issuer) throw new Error(`OIDC discovery: ${where} names issuer ${String(doc.issuer)}`)
    if (typeof doc.jwks_uri !== 'string') throw new Error(`OIDC discovery: ${where} has no jwks_uri`)
    url = doc.jwks_uri
    return url
  }

  /** One fetch of the keys; failures are logged (without the response) and leave the old keys. */
  async function refresh(): Promise<boolean> {
    lastTry = Date.now()
    try {
      remote ??= createRemoteJWKSet(new URL(await jwksUrl()), {
        cacheMaxAge: Number.POSITIVE_INFINITY,
        cooldownDuration: Number.POSITIVE_INFINITY,
        timeoutDuration: timeoutMs,
      })
      await remote.reload()
      fetchedAt = Date.now()
      return true
    } catch (err) {
      o.logger.warn(
        { url, err: err instanceof Error ? err.message : String(err) },
        'JWKS: the keys could not be fetched',
      )
      return false
    }
  }

  const known = (kid: string | undefined) => remote?.jwks()?.keys.some((k) => k.kid === kid) ?? false

  return {
    async getKey(header, token) {
      if (!known(header.kid)) {
        if (Date.now() - lastTry < o.cooldownMs || !(await refresh())) throw new UnauthorizedError()
      }
      if (!remote) throw new UnauthorizedError()
      return remote(header, token)
    },
    state() {
      return {
        url,
        fetchedAt: fetchedAt ? new Date(fetchedAt).toISOString() : null,
        stale: fetchedAt === 0 || Date.now() - fetchedAt > 2 * o.refreshMs,
      }
    },
    async start() {
      await refresh()
      timer = setInterval(() => void refresh(), o.refreshMs)
      timer.unref()
    },
    close() {
      clearInterval(timer)
    },
  }
}
