// npm run token -- <userId> [--admin | --role viewer|operator|admin] [--expires <seconds>]
// Prints a bearer token the server accepts (same JWT_SECRET, or the one generated under
// DATA_DIR); the token is the last line of the output.
import { parseArgs } from 'node:util'
import { resolveJwtSecret } from '../src/auth/jwt-secret.js'
import { createTokenService } from '../src/auth/tokens.js'
import { loadConfig } from '../src/config/load-config.js'
import { highestRole } from '../src/jobs/caller.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    admin: { type: 'boolean', default: false },
    role: { type: 'string' },
    expires: { type: 'string', default: String(12 * 3600) },
  },
})
const role = highestRole([values.role, values.admin ? 'admin' : undefined])
const userId = positionals[0]
if (!userId) {
  console.error('usage: npm run token -- <userId> [--admin | --role viewer|operator|admin] [--expires <seconds>]')
  process.exit(2)
}
const config = loadConfig()
const tokens = createTokenService(resolveJwtSecret(config), {
  issuer: config.JWT_ISSUER,
  audience: config.JWT_AUDIENCE,
})
if (values.role && !role) {
  console.error(`--role: one of viewer, operator, admin (not ${values.role})`)
  process.exit(2)
}
console.log(tokens.sign(userId, { ...(role ? { role } : {}), expiresInSeconds: Number(values.expires) }))
