// Applies prisma/migrations to a database, recording them in _prisma_migrations exactly as
// `prisma migrate deploy` does, through the WebAssembly schema engine (no download needed).
import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { askChild } from './ask-child.js'
import { withSchemaEngine } from './schema-engine.js'

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

/** Applies pending migrations; returns the names of those applied now. */
export async function migrate(url: string): Promise<string[]> {
  const dir = prismaDir()
  const migrationsList = await readMigrations(dir)
  return withSchemaEngine(url, await readSchema(dir), async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: { externalTables: [], externalEnums: [] } })
    return out.appliedMigrationNames
  })
}

/**
 * migrate() in a short-lived child process: the WebAssembly schema engine's memory (about 35 MB)
 * goes with the process. In a worker thread, 12 to 31 MB of it stayed in the server's RSS for the
 * process's life after the thread had ended (docs/benchmarks.md, memory).
 */
export async function migrateApart(url: string): Promise<string[]> {
  const child = fork(fileURLToPath(new URL('./migrate-process.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ended = new Promise<void>((done) => {
    child.once('exit', () => done())
    child.once('error', () => done()) // could not start: there may be no 'exit'
  })
  try {
    const answer = await askChild<{ applied?: string[]; error?: string }>(
      child,
      { url },
      (why) => new Error(`the migration process ended without an answer: ${why}`),
    )
    if (answer.error !== undefined) throw new Error(`migrations failed: ${answer.error}`)
    return answer.applied!
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill()
    await ended
  }
}
