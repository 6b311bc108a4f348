// A TCP proxy in front of a server, for tests of what happens when the network goes away:
// freeze() is a partition (connections stay open, nothing goes through either way, new ones are
// accepted and hang), as when a database host stops answering without closing anything.
// For HTTP it also notes the request lines that went through (`requests`).
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net'
import type { Test } from 'tap'

export interface TcpProxy {
  readonly port: number
  /** From now on no byte goes through, in either direction, on any connection. */
  freeze(): void
  /** The first line of every HTTP request that went through ("DELETE /bucket/key?uploadId=... HTTP/1.1"). */
  readonly requests: string[]
}

const REQUEST_LINE = /^(GET|HEAD|PUT|POST|DELETE|PATCH|OPTIONS) \S+ HTTP\/1\.[01]/

export async function startTcpProxy(t: Test, upstream: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let frozen = false
  const requests: string[] = []
  const server = createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    if (frozen) return client.pause() // accepted, never answered
    const up = createConnection(upstream)
    sockets.add(up)
    up.on('close', () => sockets.delete(up))
    const end = () => {
      client.destroy()
      up.destroy()
    }
    client.on('error', end)
    up.on('error', end)
    client.on('data', (b: Buffer) => {
      if (frozen) return
      const line = REQUEST_LINE.exec(b.subarray(0, 2048).toString('latin1'))?.[0]
      if (line) requests.push(line)
      up.write(b)
    })
    up.on('data', (b) => frozen || client.write(b))
    // A side closing is news that a partition would not carry: keep the other side open.
    client.on('end', () => frozen || up.end())
    up.on('end', () => frozen || client.end())
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  t.teardown(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((ok) => server.close(() => ok()))
  })
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => {
      frozen = true
    },
    requests,
  }
}
