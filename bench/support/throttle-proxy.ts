// A TCP proxy that lets bytes towards the upstream through at most `bytesPerSecond`: a slow
// storage sink for a benchmark (answers come back unthrottled).
import { once } from 'node:events'
import { type AddressInfo, createConnection, createServer } from 'node:net'
import { Transform } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'

export async function startThrottleProxy(
  upstream: { host: string; port: number },
  bytesPerSecond: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<{ destroy(): void }>()
  const server = createServer((client) => {
    const up = createConnection(upstream)
    sockets.add(client)
    sockets.add(up)
    const started = Date.now()
    let sent = 0
    const throttle = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length
        const due = started + (sent / bytesPerSecond) * 1000
        delay(Math.max(0, due - Date.now())).then(() => done(null, chunk), done)
      },
    })
    client.pipe(throttle).pipe(up).pipe(client)
    const end = () => {
      client.destroy()
      up.destroy()
    }
    client.on('error', end)
    up.on('error', end)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((ok) => {
        server.close(() => ok())
        for (const s of sockets) s.destroy()
      }),
  }
}
