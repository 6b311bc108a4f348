// One POST of a webhook: a 2xx is delivered; anything else (another status, a redirect, which
// is never followed, a timeout, a refused address, a network error) is an attempt that failed,
// said in a line for the job's view.
import http from 'node:http'
import https from 'node:https'
import { guardedLookup } from './target.js'

export type SendOutcome = { ok: true; status: number } | { ok: false; error: string }

export interface SendOptions {
  timeoutMs: number
  allowPrivate: boolean
  /** Aborting it ends the attempt at once (the node is stopping). */
  signal?: AbortSignal
}

export function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  o: SendOptions,
): Promise<SendOutcome> {
  const target = new URL(url)
  const client = target.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'faena-webhooks/1',
        },
        lookup: guardedLookup(o.allowPrivate) as never,
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0
        res.resume() // the answer's body is not read; drained so the socket closes
        res.on('end', () => clearTimeout(deadline))
        res.on('error', () => {})
        if (status >= 200 && status < 300) resolve({ ok: true, status })
        else if (status >= 300 && status < 400)
          resolve({ ok: false, error: `HTTP ${status}: redirects are not followed` })
        else resolve({ ok: false, error: `HTTP ${status}` })
      },
    )
    // The whole exchange, not only idle time, within the timeout.
    const deadline = setTimeout(
      () => req.destroy(Object.assign(new Error(`no answer within ${o.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      o.timeoutMs,
    )
    const abort = () => req.destroy(new Error('interrupted: the sending node stopped'))
    if (o.signal?.aborted) abort()
    o.signal?.addEventListener('abort', abort, { once: true })
    req.on('close', () => o.signal?.removeEventListener('abort', abort))
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(deadline)
      resolve({ ok: false, error: err.message || err.code || 'network error' })
    })
    req.end(body)
  })
}
