// The JWT secret: JWT_SECRET when set; otherwise (never in production, see load-config.ts) one
// generated once and kept under DATA_DIR, so that `npm run token` and the server agree.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config/schema.js'

export function resolveJwtSecret(config: Pick<Config, 'JWT_SECRET' | 'DATA_DIR'>): string {
  if (config.JWT_SECRET) return config.JWT_SECRET
  const file = join(config.DATA_DIR, 'jwt-secret')
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    mkdirSync(config.DATA_DIR, { recursive: true })
    const secret = randomBytes(48).toString('base64url')
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
      return secret
    } catch {
      return readFileSync(file, 'utf8').trim() // another process won the race
    }
  }
}
