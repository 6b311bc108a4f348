// Tokens from an identity provider: a local OIDC provider, built here from jose, publishes its
// discovery document and JWKS over real HTTP, signs RS256, ES256 and EdDSA tokens, rotates its
// keys, goes down; faena finds its keys by discovery and verifies through them.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { type Logger, pino } from 'pino'
import t, { type Test } from 'tap'
import { createJwksKeys } from '../../src/auth/jwks.js'
import { createTokenService, type TokenChecks } from '../../src/auth/tokens.js'
import { startTestFaena } from '../support/faena.js'
import { waitFor } from '../support/wait.js'

type Key = { kid: string; alg: string; privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK }

async function key(kid: string, alg: 'RS256' | 'ES256' | 'EdDSA'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { crv: alg === 'EdDSA' ? 'Ed25519' : undefined })
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

/** A provider on a free port: `published` is what its JWKS holds; `fetches` counts JWKS reads. */
type Provider = Awaited<ReturnType<typeof provider>>

async function provider(t: Test) {
  const state = { published: [] as Key[], fetches: 0, requests: 0, up: true }
  let issuer = ''
  const server: Server = createServer((req, res) => {
    state.requests++
    if (!state.up) return res.socket?.destroy()
    if (req.url === '/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json')
      return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }))
    }
    if (req.url === '/keys') {
      state.fetches++
      res.setHeader('content-type', 'application/json')
      return res.end(JSON.stringify({ keys: state.published.map((k) => k.jwk) }))
    }
    res.statusCode = 404
    res.end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.teardown(() => new Promise<void>((ok) => server.close(() => ok())))
  const sign = (k: Key, claims: Record<string, unknown> = {}, o: { aud?: string; iss?: string; exp?: string } = {}) =>
    new SignJWT({ sub: 'alice', ...claims })
      .setProtectedHeader({ alg: k.alg, kid: k.kid })
      .setIssuer(o.iss ?? issuer)
      .setAudience(o.aud ?? 'faena')
      .setIssuedAt()
      .setExpirationTime(o.exp ?? '5m')
      .sign(k.privateKey)
  return { state, issuer, sign }
}

const silent = pino({ level: 'silent' })
const SECRET = 'a-test-secret-that-is-long-enough-0123456789'

/**
 * Tokens verified against `p`'s keys, found by discovery (or at its JWKS URL, `discover: false`),
 * fetched at once unless `start: false`; `aud` faena and `p`'s `iss` required.
 */
async function providerTokens(
  t: Test,
  p: Provider,
  o: { cooldownMs?: number; logger?: Logger; checks?: TokenChecks; discover?: boolean; start?: boolean } = {},
) {
  const discover = o.discover ?? true
  const keys = createJwksKeys({
    jwksUrl: discover ? null : `${p.issuer}/keys`,
    issuer: discover ? p.issuer : null,
    refreshMs: 60_000,
    cooldownMs: o.cooldownMs ?? 60_000,
    logger: o.logger ?? silent,
  })
  if (o.start ?? true) await keys.start()
  t.teardown(() => keys.close())
  return { keys, tokens: createTokenService(SECRET, { audience: 'faena', ...o.checks }, { keys, issuer: p.issuer }) }
}

t.test('RS256, ES256 and EdDSA tokens verify through discovered keys; claims map to the caller', async (t) => {
  const p = await provider(t)
  const [rsa, ec, ed] = await Promise.all([key('rsa-1', 'RS256'), key('ec-1', 'ES256'), key('ed-1', 'EdDSA')])
  p.state.published = [rsa, ec, ed]
  const { keys, tokens } = await providerTokens(t, p, {
    checks: { userClaim: 'email', rolesClaim: 'realm_access.roles' },
  })
  for (const k of [rsa, ec, ed]) {
    const token = await p.sign(k, { email: `${k.kid}@example.org`, realm_access: { roles: ['offline'] } })
    t.same(await tokens.verify(token), { userId: `${k.kid}@example.org`, admin: false }, k.alg)
  }
  const admin = await p.sign(rsa, { email: 'root@example.org', realm_access: { roles: ['admin', 'offline'] } })
  t.same(
    await tokens.verify(admin),
    { userId: 'root@example.org', admin: true, role: 'admin' },
    'admin among the roles',
  )
  t.equal(p.state.fetches, 1, 'one fetch served every token')
  t.match(keys.state(), { url: `${p.issuer}/keys`, stale: false, fetchedAt: String })
})

t.test(
  'a rotated key: tokens of the old key stay valid while it is published, the new one is fetched once',
  async (t) => {
    const p = await provider(t)
    const [old, next] = await Promise.all([key('k-1', 'RS256'), key('k-2', 'ES256')])
    p.state.published = [old]
    const { tokens } = await providerTokens(t, p, { cooldownMs: 0 })
    const before = await p.sign(old)
    t.same(await tokens.verify(before), { userId: 'alice', admin: false })
    p.state.published = [next, old] // the provider rotates: the new key signs, the old one stays published
    t.same(await tokens.verify(await p.sign(next, { sub: 'bob' })), { userId: 'bob', admin: false }, 'new key')
    t.same(await tokens.verify(await p.sign(old, { sub: 'carol' })), { userId: 'carol', admin: false }, 'old key')
    t.equal(p.state.fetches, 2, 'the unknown kid made one fetch')
  },
)

t.test(
  'refused: unknown kid, another key, alg none, HS256 over the public key, wrong aud or iss, expired',
  async (t) => {
    const p = await provider(t)
    const [rsa, stranger] = await Promise.all([key('rsa-1', 'RS256'), key('rsa-1', 'RS256')])
    p.state.published = [rsa]
    const logged: string[] = []
    const logger = pino({ level: 'debug' }, { write: (line: string) => logged.push(line) })
    const { tokens } = await providerTokens(t, p, { logger })
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
    const now = Math.floor(Date.now() / 1000)
    const { createHmac } = await import('node:crypto')
    const hsHead = `${b64({ alg: 'HS256', kid: 'rsa-1' })}.${b64({ sub: 'alice', aud: 'faena', iss: p.issuer, exp: now + 60 })}`
    const bad = {
      'unknown kid': await p.sign({ ...(await key('nobody', 'RS256')) }),
      'another key, same kid': await p.sign(stranger),
      'alg none': `${b64({ alg: 'none', kid: 'rsa-1' })}.${b64({ sub: 'alice', aud: 'faena', iss: p.issuer, exp: now + 60 })}.`,
      'HS256 signed with the public key': `${hsHead}.${createHmac('sha256', JSON.stringify(rsa.jwk)).update(hsHead).digest('base64url')}`,
      'wrong aud': await p.sign(rsa, {}, { aud: 'another-service' }),
      'wrong iss': await p.sign(rsa, {}, { iss: 'https://evil.example' }),
      expired: await p.sign(rsa, {}, { exp: '-5m' }),
    }
    for (const [name, token] of Object.entries(bad))
      await t.rejects(tokens.verify(token), { statusCode: 401, message: 'missing or invalid bearer token' }, name)
    const text = logged.join('\n')
    t.notMatch(text, rsa.jwk.n!.slice(0, 40), 'no key material in the logs')
    t.notMatch(text, /BEGIN|PRIVATE/)
  },
)

t.test('a flood of unknown kids makes one fetch per cooldown, with the provider up or down', async (t) => {
  const p = await provider(t)
  p.state.published = [await key('rsa-1', 'RS256')]
  // Not started: the flood's first token makes the first fetch.
  const { tokens } = await providerTokens(t, p, { discover: false, start: false })
  const strangers = await Promise.all(Array.from({ length: 20 }, (_, i) => key(`random-${i}`, 'RS256')))
  const flood = await Promise.all(strangers.map((k) => p.sign(k)))
  const results = await Promise.allSettled(flood.map((token) => tokens.verify(token)))
  t.ok(results.every((r) => r.status === 'rejected'))
  t.equal(p.state.requests, 1, 'one request for 20 unknown kids')
  p.state.up = false
  const down = await Promise.allSettled(flood.map((token) => tokens.verify(token)))
  t.ok(down.every((r) => r.status === 'rejected'))
  t.equal(p.state.requests, 1, 'none more while it is down')
})

t.test('while the provider is down the cached keys keep working, and readiness says they are stale', async (t) => {
  const p = await provider(t)
  const rsa = await key('rsa-1', 'RS256')
  p.state.published = [rsa]
  const f = await startTestFaena(t, {
    config: { OIDC_ISSUER: p.issuer, JWT_AUDIENCE: 'faena', JWKS_REFRESH_MS: 1000, JWKS_COOLDOWN_MS: 1000 },
  })
  const token = await p.sign(rsa)
  const get = (tok: string) =>
    f.faena.app.inject({ method: 'GET', url: '/jobs', headers: { authorization: `Bearer ${tok}` } })
  t.equal((await get(token)).statusCode, 200)
  t.equal((await get(f.token('bob'))).statusCode, 200, 'HS256 tokens still work beside the provider')
  const ready = (await f.faena.app.inject('/health/ready')).json()
  t.match(ready, { status: 'ok', checks: { jwks: { url: `${p.issuer}/keys`, stale: false } } })

  p.state.up = false
  const stale = await waitFor('the keys to go stale', async () => {
    const r = await f.faena.app.inject('/health/ready')
    return r.json().checks.jwks.stale ? r : null
  })
  t.equal(stale.statusCode, 200, 'still ready: the keys it has still verify')
  t.equal((await get(await p.sign(rsa, { sub: 'carol' }))).statusCode, 200, 'a new token of a known key')
})

t.test('a node that never got the keys is not ready', async (t) => {
  const f = await startTestFaena(t, { config: { JWT_JWKS_URL: 'http://127.0.0.1:9/keys' } })
  const ready = await f.faena.app.inject('/health/ready')
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { status: 'unavailable', checks: { jwks: { fetchedAt: null, stale: true } } })
})
