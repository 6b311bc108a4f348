// A secret generated once and kept under DATA_DIR, for development: processes that share the
// directory (the server, `npm run token`, a developer's webhook receiver) agree on it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The secret in DATA_DIR/`name`, made by `generate` the first time. */
export function keptSecret(dataDir: string, name: string, generate: () => string): string {
  const file = join(dataDir, name)
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    mkdirSync(dataDir, { recursive: true })
    const secret = generate()
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
      return secret
    } catch {
      return readFileSync(file, 'utf8').trim() // another process won the race
    }
  }
}
