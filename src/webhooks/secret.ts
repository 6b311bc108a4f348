// The webhook signing secret: WEBHOOK_SECRET (whsec_<base64>, as Standard Webhooks writes it),
// or in development one generated under DATA_DIR/webhook-secret for the developer's receiver.
// In production without it webhooks are off: a callbackUrl is refused with a 400.
import { randomBytes } from 'node:crypto'
import { keptSecret } from '../auth/kept-secret.js'
import type { Config } from '../config/schema.js'

export function resolveWebhookSecret(config: Pick<Config, 'WEBHOOK_SECRET' | 'DATA_DIR' | 'NODE_ENV'>): string | null {
  if (config.WEBHOOK_SECRET) return config.WEBHOOK_SECRET
  if (config.NODE_ENV === 'production') return null
  return keptSecret(config.DATA_DIR, 'webhook-secret', () => `whsec_${randomBytes(24).toString('base64')}`)
}
