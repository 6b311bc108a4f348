// npm run migrate:create -- <name> [--from <old schema.prisma>]
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the previous
// datamodel (by default prisma/schema.prisma as committed at HEAD; nothing for the first
// migration) to the current prisma/schema.prisma, diffed by the WebAssembly schema engine.
// Database introspection is not used: the WASM engine cannot describe PostgreSQL 18 catalogs.
// Review the file, add what Prisma cannot model (triggers), then commit both.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js'
import { prismaDir, readSchema } from '../src/db/migrate.js'
import { diffDatamodels } from '../src/db/schema-engine.js'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { from: { type: 'string' } } })
const name = (positionals[0] ?? '').replace(/[^a-z0-9_]+/gi, '_').toLowerCase()
if (!name) {
  console.error('usage: npm run migrate:create -- <name> [--from <old schema.prisma>]')
  process.exit(2)
}

const dir = prismaDir()
const current = await readSchema(dir)
const migrationsDir = join(dir, 'migrations')
const first = !existsSync(migrationsDir)
const previous = values.from ? readFileSync(values.from, 'utf8') : first ? null : committedSchema()

// The engine needs a live connection even for a datamodel-to-datamodel diff.
const dataDir = mkdtempSync(join(tmpdir(), 'faena-migrate-'))
const pg = await startEmbeddedPostgres({ dataDir, persistent: false })
let sql: string
try {
  sql = await diffDatamodels(pg.url, previous, current)
} finally {
  await pg.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
  console.log('schema.prisma matches the previous datamodel: nothing to migrate')
  process.exit(0)
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
const out = join(migrationsDir, `${stamp}_${name}`)
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'migration.sql'), sql)
if (first) writeFileSync(join(migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n')
console.log(`wrote ${join(out, 'migration.sql')}`)

function committedSchema(): string {
  return execFileSync('git', ['show', 'HEAD:prisma/schema.prisma'], { encoding: 'utf8' })
}
