// Which releases' nodes may share a database. Every release whose migrations change something
// older nodes rely on raises SCHEMA_VERSION; a release that finally removes what an older one
// still needed (the contract step of expand, then contract) raises OLDEST_COMPATIBLE to the
// first version that no longer needs it. The database keeps the highest of each that migrated
// it (faena_schema), and every node checks them at start:
// - a node whose SCHEMA_VERSION is below the database's oldest_compatible refuses to start
//   (it would rely on something that is gone): upgrade it;
// - a node that did not migrate (MIGRATE_ON_START=false) and finds the database older than its
//   own version refuses too: run `npm run migrate` first.
// Version 1 is the release of 2026-12-07, which kept no record; 2 made faena a package (SQL
// objects, owners' schemas, unique jobs); this release is 3 (active-job counts kept by
// triggers, enqueue faena_add_job) and still serves 1 and 2 (their enqueue functions, and the
// unique index a built-in job type kept for 1).
import type { ClientBase } from 'pg'
import { ConfigError } from '../errors.js'
import { rowsOrNone } from './sql-objects.js'

export const SCHEMA_VERSION = 3
export const OLDEST_COMPATIBLE = 1

const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS faena_schema (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  version int NOT NULL,
  oldest_compatible int NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
)`

/** Records, after a migration, that the database now serves this release (never lowers either figure). */
export async function recordSchemaVersion(client: ClientBase): Promise<void> {
  await client.query(BOOKKEEPING)
  await client.query(
    `INSERT INTO faena_schema (version, oldest_compatible) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET version = GREATEST(faena_schema.version, EXCLUDED.version),
       oldest_compatible = GREATEST(faena_schema.oldest_compatible, EXCLUDED.oldest_compatible), updated_at = now()`,
    [SCHEMA_VERSION, OLDEST_COMPATIBLE],
  )
}

/** Whether a release newer than this node's has migrated the database (it keeps a higher version). */
export async function databaseIsNewer(client: ClientBase): Promise<boolean> {
  // Inside the migration's transaction: a missing table is asked about, not read (an error would end it).
  const { rows: kept } = await client.query(`SELECT to_regclass('faena_schema') IS NOT NULL AS kept`)
  if (!kept[0].kept) return false
  const { rows } = await client.query<{ version: number }>('SELECT version FROM faena_schema')
  return (rows[0]?.version ?? 0) > SCHEMA_VERSION
}

/** Throws a ConfigError that says what to do when this node may not run on the database at `query`. */
export async function checkSchemaVersion(db: {
  query(text: string): Promise<{ rows: { version: number; oldest_compatible: number }[] }>
}): Promise<void> {
  // No faena_schema: never migrated by this release or a later one (version 0).
  const rows = await rowsOrNone(db.query('SELECT version, oldest_compatible FROM faena_schema'))
  const found = rows[0] ?? { version: 0, oldest_compatible: 0 }
  if (found.oldest_compatible > SCHEMA_VERSION) {
    throw new ConfigError(
      `this node's schema version is ${SCHEMA_VERSION}, older than the oldest this database still serves (${found.oldest_compatible}): a newer release has migrated it; upgrade this node`,
    )
  }
  if (found.version < SCHEMA_VERSION) {
    throw new ConfigError(
      `the database's schema is at version ${found.version} and this node needs ${SCHEMA_VERSION}: run \`npm run migrate\` (or start with MIGRATE_ON_START=true) first`,
    )
  }
}
