// Bearer tokens: any HS256 JWT signed with the secret works; everything else is one 401.
import { execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { resolveJwtSecret } from '../../src/auth/jwt-secret.js'
import { createTokenService } from '../../src/auth/tokens.js'

const secret = 'a-test-secret-that-is-long-enough-0123456789'
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/** A JWT made by hand, as any other library would: header.payload.HMAC-SHA256. */
function handMade(payload: object, key = secret, alg = 'HS256'): string {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`
}

t.test('a token from another implementation is accepted; role admin is honoured', async (t) => {
  const tokens = createTokenService(secret)
  const exp = Math.floor(Date.now() / 1000) + 60
  t.same(await tokens.verify(handMade({ sub: 'alice', exp })), { userId: 'alice', admin: false })
  t.same(await tokens.verify(handMade({ sub: 'root', role: 'admin', exp })), {
    userId: 'root',
    admin: true,
    role: 'admin',
  })
  t.same(
    await tokens.verify(handMade({ sub: 'carol', exp: Math.floor(Date.now() / 1000) - 10 })),
    { userId: 'carol', admin: false },
    '30 s of clock skew allowed',
  )
})

t.test('iss and aud are required when configured', async (t) => {
  const tokens = createTokenService(secret, { issuer: 'https://login.example', audience: 'faena' })
  const exp = Math.floor(Date.now() / 1000) + 60
  t.same(await tokens.verify(handMade({ sub: 'alice', exp, iss: 'https://login.example', aud: 'faena' })), {
    userId: 'alice',
    admin: false,
  })
  t.same(await tokens.verify(tokens.sign('bob')), { userId: 'bob', admin: false }, 'its own tokens carry them')
  for (const [name, claims] of Object.entries({
    'no iss': { aud: 'faena' },
    'other iss': { iss: 'https://evil.example', aud: 'faena' },
    'no aud': { iss: 'https://login.example' },
    'other aud': { iss: 'https://login.example', aud: 'another-service' },
  })) {
    await t.rejects(
      tokens.verify(handMade({ sub: 'alice', exp, ...claims })),
      { statusCode: 401, message: 'missing or invalid bearer token' },
      name,
    )
  }
})

t.test('bad tokens are all the same 401', async (t) => {
  const tokens = createTokenService(secret)
  const exp = Math.floor(Date.now() / 1000) + 60
  const bad = {
    'wrong secret': handMade({ sub: 'alice', exp }, 'another-secret-another-secret-another-secret'),
    expired: handMade({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 3600 }),
    'no expiry': handMade({ sub: 'alice' }),
    'no subject': handMade({ role: 'admin', exp }),
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', exp })}.`,
    'alg HS512': handMade({ sub: 'alice', exp }, secret, 'HS512'),
    garbage: 'abc.def.ghi',
  }
  for (const [name, token] of Object.entries(bad)) {
    await t.rejects(
      tokens.verify(token),
      { code: 'UNAUTHORIZED', statusCode: 401, message: 'missing or invalid bearer token' },
      name,
    )
  }
})

t.test('without JWT_SECRET a secret is generated once under DATA_DIR and reused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'faena-secret-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const first = resolveJwtSecret({ DATA_DIR: dir })
  t.ok(first.length >= 32)
  t.equal(resolveJwtSecret({ DATA_DIR: dir }), first)
  t.equal(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim(), first)
  t.equal(resolveJwtSecret({ DATA_DIR: dir, JWT_SECRET: secret }), secret, 'JWT_SECRET wins')
})

t.test('`npm run token` prints, as its last line, a token the server accepts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'faena-token-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const script = new URL('../../scripts/token.js', import.meta.url).pathname
  const out = execFileSync(process.execPath, [script, 'bob', '--admin'], {
    env: { ...process.env, DATA_DIR: dir, JWT_SECRET: '' },
    encoding: 'utf8',
  })
  const token = out.trim().split('\n').at(-1)!
  t.same(await createTokenService(resolveJwtSecret({ DATA_DIR: dir })).verify(token), {
    userId: 'bob',
    admin: true,
    role: 'admin',
  })
})

t.test('the role is the highest of `role` and the roles at JWT_ROLES_CLAIM', async (t) => {
  const tokens = createTokenService(secret, { rolesClaim: 'realm_access.roles' })
  const exp = Math.floor(Date.now() / 1000) + 60
  t.same(await tokens.verify(handMade({ sub: 'a', exp, realm_access: { roles: ['viewer', 'operator', 'x'] } })), {
    userId: 'a',
    admin: false,
    role: 'operator',
  })
  t.same(await tokens.verify(handMade({ sub: 'b', exp, role: 'viewer', realm_access: { roles: 'offline admin' } })), {
    userId: 'b',
    admin: true,
    role: 'admin',
  })
  t.same(await tokens.verify(handMade({ sub: 'c', exp, role: 'superuser' })), { userId: 'c', admin: false })
})
