// A real OTLP/HTTP trace receiver, as a collector would be: it takes POST /v1/traces in the
// JSON encoding (http/json) and keeps the spans, read with the OTLP JSON mapping (hex ids,
// attributes as {key, value: {stringValue | intValue | boolValue}}). Protobuf requests
// (http/protobuf) are answered and counted, not decoded.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'

export interface ReceivedSpan {
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  kind: number
  attributes: Record<string, string | number | boolean>
  status: { code?: number; message?: string }
  links: { traceId: string; spanId: string }[]
  startMs: number
  endMs: number
  /** The resource's service.name. */
  service: string
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number }
const plainValue = (v: OtlpValue) =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.boolValue ?? v.doubleValue ?? ''
const attributesOf = (list: { key: string; value: OtlpValue }[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, plainValue(a.value)]))
const ms = (nanos: string | number) => Number(BigInt(nanos) / 1_000_000n)

/** Listens on 127.0.0.1:`port` (0: a free one) until the test ends. */
export async function startOtlpReceiver(t: Test, opts: { port?: number } = {}) {
  const spans: ReceivedSpan[] = []
  const requests: { path: string; contentType: string }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '')
      requests.push({ path: req.url ?? '', contentType })
      if (req.url === '/v1/traces' && contentType.startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans?: any[] }
        for (const rs of body.resourceSpans ?? []) {
          const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '')
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              spans.push({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                name: s.name,
                kind: s.kind,
                attributes: attributesOf(s.attributes),
                status: s.status ?? {},
                links: (s.links ?? []).map((l: any) => ({ traceId: l.traceId, spanId: l.spanId })),
                startMs: ms(s.startTimeUnixNano),
                endMs: ms(s.endTimeUnixNano),
                service,
              })
            }
          }
        }
      }
      res
        .writeHead(200, { 'content-type': contentType || 'application/json' })
        .end(contentType.startsWith('application/json') ? '{}' : '')
    })
  })
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(opts.port ?? 0, '127.0.0.1', ok))
  t.teardown(() => new Promise<void>((ok) => server.close(() => ok())))
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, requests }
}
