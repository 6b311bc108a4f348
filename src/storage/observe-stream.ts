import { Transform } from 'node:stream'

/** A pass-through stage that shows every chunk to `onChunk` (to count bytes, hash, ...). */
export function observe(onChunk: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      onChunk(chunk)
      done(null, chunk)
    },
  })
}
