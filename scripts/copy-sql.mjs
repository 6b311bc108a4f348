// Part of `npm run build`: tsc compiles the .ts files only, and the job types' migrations are
// .sql files beside them (src/**/migrations/*.sql). Copied to the same place under dist/, so
// that a definition's `new URL('./migrations/', import.meta.url)` finds them from the compiled code.
import { cpSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
for (const top of ['src', 'test']) {
  for (const entry of readdirSync(join(root, top), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.sql') || !entry.parentPath.endsWith('migrations')) continue
    const from = join(entry.parentPath, entry.name)
    cpSync(from, join(root, 'dist', from.slice(root.length + 1)))
  }
}
