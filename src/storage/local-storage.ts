// Local-disk driver: files under a root folder (DATA_DIR/files by default). A put writes to a
// temporary name and renames it into place only once complete, so a reader never sees a
// partial file and a failed put leaves none. Downloads go through the API's /files route with
// an expiring signature (url-signature.ts).
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { observe } from './observe-stream.js'
import { assertValidKey, type Storage, StorageNotFoundError } from './storage.js'
import { sign } from './url-signature.js'

export interface LocalStorageOptions {
  root: string
  /** Base URL of the API that serves /files (e.g. http://localhost:3000). */
  publicUrl: string
  signingSecret: string
  defaultExpiresInSeconds: number
}

export function createLocalStorage(o: LocalStorageOptions): Storage {
  const root = resolve(o.root)
  const pathOf = (key: string): string => {
    assertValidKey(key)
    const path = resolve(root, key)
    if (!path.startsWith(root + sep)) throw new StorageNotFoundError(key)
    return path
  }
  const exists = async (path: string) => (await stat(path).catch(() => null))?.isFile() === true

  return {
    driver: 'local',
    async put(key, body, opts = {}) {
      const path = pathOf(key)
      await mkdir(dirname(path), { recursive: true })
      const partial = `${path}.partial-${randomBytes(6).toString('hex')}`
      let size = 0
      const counter = observe((chunk) => (size += chunk.length))
      const file = createWriteStream(partial, { flags: 'wx' })
      try {
        await pipeline(body, counter, file, opts.signal ? { signal: opts.signal } : {})
        await rename(partial, path)
        return { key, size }
      } catch (err) {
        // A put failed at once may reject while the file is still being opened: wait until it
        // is closed, or it would appear after being removed.
        if (!file.closed) await once(file, 'close').catch(() => {})
        await rm(partial, { force: true })
        throw err
      }
    },
    async get(key) {
      const path = pathOf(key)
      if (!(await exists(path))) throw new StorageNotFoundError(key)
      return createReadStream(path) as Readable
    },
    async size(key) {
      const s = await stat(pathOf(key)).catch(() => null)
      return s?.isFile() ? s.size : null
    },
    async delete(key) {
      await rm(pathOf(key), { force: true })
    },
    async signedUrl(key, opts = {}) {
      assertValidKey(key)
      const expires = Math.floor(Date.now() / 1000) + (opts.expiresInSeconds ?? o.defaultExpiresInSeconds)
      const url = new URL(`/files/${key.split('/').map(encodeURIComponent).join('/')}`, o.publicUrl)
      url.searchParams.set('expires', String(expires))
      if (opts.fileName) url.searchParams.set('name', opts.fileName)
      url.searchParams.set('sig', sign(o.signingSecret, { key, expires, name: opts.fileName }))
      return { url: url.toString(), expiresAt: new Date(expires * 1000) }
    },
    async removeAbandoned(olderThanMs) {
      const before = Date.now() - olderThanMs
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])
      let removed = 0
      for (const e of entries) {
        if (!e.isFile() || !e.name.includes('.partial-')) continue
        const path = join(e.parentPath, e.name)
        const s = await stat(path).catch(() => null)
        if (s && s.mtimeMs < before) {
          await rm(path, { force: true })
          removed++
        }
      }
      return removed
    },
    async close() {},
  }
}
