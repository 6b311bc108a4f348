// Brings a database's schema up to this release: prisma/migrations (tables), recorded in
// _prisma_migrations exactly as `prisma migrate deploy` does, through the WebAssembly schema
// engine (no download needed); then the queue's functions and triggers (src/db/sql-objects.ts).
import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { queueSqlObjects } from '../queue/sql-objects.js'
import { askChild } from './ask-child.js'
import { applyOwners, type OwnerSchema } from './owner-migrations.js'
import { withSchemaEngine } from './schema-engine.js'
import { databaseIsNewer, recordSchemaVersion } from './schema-version.js'
import { applySqlObjects } from './sql-objects.js'

/** prisma/ at the package root, from src/db (ts) or dist/src/db (js). */
export function prismaDir(): string {
  for (const up of ['../../prisma', '../../../prisma']) {
    const dir = fileURLToPath(new URL(up, import.meta.url))
    if (existsSync(join(dir, 'schema.prisma'))) return dir
  }
  throw new Error('prisma/schema.prisma not found next to the installed package')
}

export async function readSchema(dir = prismaDir()): Promise<{ path: string; content: string }> {
  const path = join(dir, 'schema.prisma')
  return { path, content: await readFile(path, 'utf8') }
}

export async function readMigrations(dir = prismaDir()) {
  const baseDir = join(dir, 'migrations')
  const names = existsSync(baseDir)
    ? (await readdir(baseDir, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : []
  const lockPath = join(baseDir, 'migration_lock.toml')
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: { tag: 'ok' as const, value: await readFile(join(baseDir, name, 'migration.sql'), 'utf8') },
        },
      })),
    ),
  }
}

/** What one migrate() changed: migrations applied, and SQL objects (re)applied, by name. */
export interface MigrationReport {
  migrations: string[]
  sqlObjects: string[]
}

/**
 * faena's schema lock (a transaction advisory lock, so that it is safe behind a transaction-mode
 * pooler and ends with its transaction): one node at a time runs the migrations and applies the
 * SQL objects. Prisma's own lock (taken by the schema engine, src/db/schema-engine.ts) still
 * excludes a `prisma migrate deploy` run beside us.
 */
const SCHEMA_LOCK = 0x6661656e // 'faen'

/**
 * Applies the core's pending migrations, then the queue's functions and triggers whose text
 * changed (src/db/sql-objects.ts), then each owner's (a job type's) migrations and SQL objects
 * (src/db/owner-migrations.ts), all under faena's schema lock. Owners' entries in the report
 * are named `owner/name`.
 */
export async function migrate(url: string, owners: OwnerSchema[] = []): Promise<MigrationReport> {
  const dir = prismaDir()
  const migrationsList = await readMigrations(dir)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK])
    const migrations = await withSchemaEngine(url, await readSchema(dir), async (engine) => {
      const out = await engine.applyMigrations({ migrationsList, filters: { externalTables: [], externalEnums: [] } })
      return out.appliedMigrationNames
    })
    // A newer release migrated this database: its functions and triggers stay as it made them.
    const newer = await databaseIsNewer(client)
    const sqlObjects = newer ? [] : await applySqlObjects(client, 'faena', queueSqlObjects)
    const theirs = await applyOwners(client, owners, { sqlObjects: !newer })
    await recordSchemaVersion(client)
    await client.query('COMMIT')
    return { migrations: [...migrations, ...theirs.migrations], sqlObjects: [...sqlObjects, ...theirs.sqlObjects] }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    await client.end()
  }
}

/**
 * migrate() in a short-lived child process: the WebAssembly schema engine's memory (about 35 MB)
 * goes with the process. In a worker thread, 12 to 31 MB of it stayed in the server's RSS for the
 * process's life after the thread had ended (docs/benchmarks.md, memory).
 */
export async function migrateApart(url: string, owners: OwnerSchema[] = []): Promise<MigrationReport> {
  const child = fork(fileURLToPath(new URL('./migrate-process.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ended = new Promise<void>((done) => {
    child.once('exit', () => done())
    child.once('error', () => done()) // could not start: there may be no 'exit'
  })
  try {
    const answer = await askChild<{ report?: MigrationReport; error?: string }>(
      child,
      { url, owners },
      (why) => new Error(`the migration process ended without an answer: ${why}`),
    )
    if (answer.error !== undefined) throw new Error(`migrations failed: ${answer.error}`)
    return answer.report!
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill()
    await ended
  }
}
