// A real HTTP receiver for faena's webhooks. It checks every signature with its own code, from
// the Standard Webhooks spec (HMAC-SHA256 of "<id>.<timestamp>.<body>", keyed by the base64
// after whsec_), not with the package faena signs with, and answers with the statuses it is
// told, in turn (then 200).
import { createHmac, randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'

export const TEST_WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`

export interface Received {
  id: string
  timestamp: number
  signatureValid: boolean
  body: { type: string; timestamp: string; data: Record<string, any> }
  answered: number
  /** The W3C trace context sent with it, if any. */
  traceparent?: string
}

export function verifySignature(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`
  const expected = `v1,${createHmac('sha256', key).update(signed).digest('base64')}`
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .includes(expected)
}

/** Listens on `port` (0: a free one) until the test ends; `answers`: the statuses of the first requests. */
export async function startReceiver(t: Test, opts: { answers?: number[]; port?: number; secret?: string } = {}) {
  const answers = [...(opts.answers ?? [])]
  const received: Received[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString()
      const answered = answers.shift() ?? 200
      received.push({
        id: String(req.headers['webhook-id']),
        timestamp: Number(req.headers['webhook-timestamp']),
        signatureValid: verifySignature(opts.secret ?? TEST_WEBHOOK_SECRET, req.headers, raw),
        body: JSON.parse(raw),
        answered,
        ...(typeof req.headers.traceparent === 'string' ? { traceparent: req.headers.traceparent } : {}),
      })
      res.writeHead(answered).end()
    })
  })
  await new Promise<void>((ok) => server.listen(opts.port ?? 0, '127.0.0.1', ok))
  const close = () => new Promise<void>((ok) => server.close(() => ok()))
  t.teardown(close)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, close }
}
