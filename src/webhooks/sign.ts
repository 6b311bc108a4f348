// Standard Webhooks 1.0 signing (standardwebhooks.com), through the spec's own package: the
// headers a receiver verifies with any Standard Webhooks library and the shared secret.
import { Webhook } from 'standardwebhooks'

export interface SignedHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

/** `secret`: whsec_<base64>. */
export function createSigner(secret: string) {
  const webhook = new Webhook(secret)
  return (id: string, body: string, at = new Date()): SignedHeaders => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': webhook.sign(id, at, body),
  })
}
