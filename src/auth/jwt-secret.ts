// The JWT secret: JWT_SECRET when set; otherwise (never in production, see load-config.ts) one
// generated once and kept under DATA_DIR, so that `npm run token` and the server agree.
import { randomBytes } from 'node:crypto'
import type { Config } from '../config/schema.js'
import { keptSecret } from './kept-secret.js'

export function resolveJwtSecret(config: Pick<Config, 'JWT_SECRET' | 'DATA_DIR'>): string {
  return config.JWT_SECRET ?? keptSecret(config.DATA_DIR, 'jwt-secret', () => randomBytes(48).toString('base64url'))
}
