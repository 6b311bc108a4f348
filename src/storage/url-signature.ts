// Expiring HMAC-SHA256 signatures for the local driver's download URLs
// (/files/<key>?expires=<unix seconds>&name=<file name>&sig=<hex>).
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface SignedParams {
  key: string
  expires: number
  name?: string | undefined
}

function mac(secret: string, p: SignedParams): Buffer {
  return createHmac('sha256', secret)
    .update(`${p.key}\n${p.expires}\n${p.name ?? ''}`)
    .digest()
}

export function sign(secret: string, p: SignedParams): string {
  return mac(secret, p).toString('hex')
}

export type Verdict = 'ok' | 'expired' | 'bad-signature'

export function verify(secret: string, p: SignedParams, sig: string, nowMs = Date.now()): Verdict {
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(sig) ? sig : '', 'hex')
  const expected = mac(secret, p)
  // Constant-time comparison, so the signature cannot be guessed byte by byte.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad-signature'
  return nowMs > p.expires * 1000 ? 'expired' : 'ok'
}
