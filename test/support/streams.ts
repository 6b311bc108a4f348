// Generated file contents: streamed, never built whole in memory, with a known digest.
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'

/** `size` bytes of a repeating pattern, in 64 KiB chunks; fails after `failAfter` bytes if set. */
export function patternStream(size: number, opts: { failAfter?: number } = {}): Readable {
  let sent = 0
  return new Readable({
    read() {
      if (opts.failAfter !== undefined && sent >= opts.failAfter) {
        this.destroy(new Error('source failed midway'))
        return
      }
      if (sent >= size) {
        this.push(null)
        return
      }
      const n = Math.min(65536, size - sent)
      const chunk = Buffer.alloc(n)
      for (let i = 0; i < n; i++) chunk[i] = (sent + i) % 251
      sent += n
      this.push(chunk)
    },
  })
}

export async function sha256Of(stream: AsyncIterable<Buffer | Uint8Array>): Promise<{ hex: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of stream) {
    hash.update(chunk)
    size += chunk.length
  }
  return { hex: hash.digest('hex'), size }
}
