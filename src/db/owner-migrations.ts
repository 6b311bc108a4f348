// The schema of an owner other than the core: a job type (or a part several types share) keeps
// its tables, indexes and triggers in a folder of its own and names it in its definition. Its
// migrations are ordered .sql files applied once per database, in file-name order, after the
// core's, recorded per owner in faena_migration; its functions and triggers are SqlObjects,
// re-applied when their text changes (sql-objects.ts). All of it runs in the caller's
// transaction, under faena's schema lock (migrate.ts): nodes starting together apply each file
// once, and a failing file rolls back every owner's changes of that start and names the file.
//
// A migration file runs as one multi-statement string, so it cannot hold statements that
// refuse a transaction (CREATE INDEX CONCURRENTLY). A file changed after it was applied is an
// error: write a new file instead (expand, then contract; docs/how-it-works.md, "Upgrades").
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClientBase } from 'pg'
import { applySqlObjects, rowsOrNone, type SqlObject, sha256 } from './sql-objects.js'

/** What a definition declares: whose tables, where their migrations are, which functions and triggers it owns. */
export interface SchemaOwner {
  /** Records are kept under this name: a job type's, or a shared part's (`reports`). */
  name: string
  /** A folder of `.sql` files, applied once each in file-name order, after the core's migrations. */
  migrations?: URL
  /** Functions and triggers of its own, applied after its migrations when their text changed. */
  sqlObjects?: SqlObject[]
}

/** The same, as it crosses to the migration process (plain data). */
export interface OwnerSchema {
  name: string
  migrationsDir?: string
  sqlObjects: SqlObject[]
}

export const ownerSchema = (owner: SchemaOwner): OwnerSchema => ({
  name: owner.name,
  ...(owner.migrations ? { migrationsDir: fileURLToPath(owner.migrations) } : {}),
  sqlObjects: owner.sqlObjects ?? [],
})

/** Each owner once, in order; two different declarations under one name are an error. */
export function distinctOwners(owners: SchemaOwner[]): SchemaOwner[] {
  const seen = new Map<string, SchemaOwner>()
  for (const owner of owners) {
    const first = seen.get(owner.name)
    if (first && first !== owner) throw new Error(`two different schemas are declared under the owner "${owner.name}"`)
    seen.set(owner.name, owner)
  }
  return [...seen.values()]
}

const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS faena_migration (
  owner text NOT NULL,
  name text NOT NULL,
  sha256 text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, name)
)`

export interface OwnersReport {
  /** `owner/file.sql` of each migration applied now. */
  migrations: string[]
  /** `owner/name` of each SQL object applied now. */
  sqlObjects: string[]
}

/**
 * Applies each owner's pending migrations, then its changed SQL objects (unless `sqlObjects` is
 * false: a newer release migrated the database), on `client` (in the caller's transaction).
 */
export async function applyOwners(
  client: ClientBase,
  owners: OwnerSchema[],
  opts: { sqlObjects?: boolean } = {},
): Promise<OwnersReport> {
  const report: OwnersReport = { migrations: [], sqlObjects: [] }
  if (owners.length === 0) return report
  await client.query(BOOKKEEPING)
  for (const owner of owners) {
    for (const name of await applyMigrations(client, owner)) report.migrations.push(`${owner.name}/${name}`)
    if (opts.sqlObjects === false) continue
    for (const name of await applySqlObjects(client, owner.name, owner.sqlObjects)) {
      report.sqlObjects.push(`${owner.name}/${name}`)
    }
  }
  return report
}

/** The .sql files of an owner's migrations folder, in the order they are applied. */
async function migrationFiles(owner: OwnerSchema): Promise<string[]> {
  const dir = owner.migrationsDir
  if (!dir) return []
  if (!existsSync(dir)) throw new Error(`${owner.name}: its migrations folder ${dir} does not exist`)
  return (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isFile() && d.name.endsWith('.sql'))
    .map((d) => d.name)
    .sort()
}

/** `owner/file.sql` of each owner's migration not applied yet (for nodes that do not migrate). */
export async function pendingOwnerMigrations(db: Pick<ClientBase, 'query'>, owners: OwnerSchema[]): Promise<string[]> {
  const pending: string[] = []
  const rows = await rowsOrNone(db.query<{ owner: string; name: string }>('SELECT owner, name FROM faena_migration'))
  const applied = new Set(rows.map((r) => `${r.owner}/${r.name}`))
  for (const owner of owners) {
    for (const file of await migrationFiles(owner)) {
      if (!applied.has(`${owner.name}/${file}`)) pending.push(`${owner.name}/${file}`)
    }
  }
  return pending
}

async function applyMigrations(client: ClientBase, owner: OwnerSchema): Promise<string[]> {
  const dir = owner.migrationsDir
  if (!dir) return []
  const files = await migrationFiles(owner)
  const { rows } = await client.query<{ name: string; sha256: string }>(
    'SELECT name, sha256 FROM faena_migration WHERE owner = $1',
    [owner.name],
  )
  const applied = new Map(rows.map((r) => [r.name, r.sha256]))
  const now: string[] = []
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8')
    const hash = sha256(text)
    const before = applied.get(file)
    if (before === hash) continue
    if (before !== undefined) {
      throw new Error(
        `${owner.name}: the migration ${join(dir, file)} was changed after it was applied; add a new file instead`,
      )
    }
    try {
      await client.query(text)
    } catch (err) {
      throw new Error(`${owner.name}: the migration ${join(dir, file)} failed: ${(err as Error).message}`)
    }
    await client.query('INSERT INTO faena_migration (owner, name, sha256) VALUES ($1, $2, $3)', [
      owner.name,
      file,
      hash,
    ])
    now.push(file)
  }
  return now
}
