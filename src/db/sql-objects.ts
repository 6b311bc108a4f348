// Functions and triggers are code, not migrations. Each one's current text lives in the file of
// the verb that uses it (the claim's function in src/queue/claim-jobs.ts, say) as an SqlObject,
// and is applied at start, after the migrations, under the same lock. A reader finds what a
// function does today in one place instead of replaying every migration that ever replaced it.
//
// An object is applied again only when its text changed: the SHA-256 of what was last applied
// is kept per owner and name in faena_sql_object. Replacing a trigger takes a lock on its table
// that waits for running writes, so a node that starts with nothing new to apply takes none.
//
// The rule that keeps older nodes working while a newer one applies its objects (expand, then
// contract): an object's name and signature stay; a changed signature is a new object beside
// the old one, which stays one release (docs/how-it-works.md, "Upgrades").
import { createHash } from 'node:crypto'
import type { ClientBase } from 'pg'

export interface SqlObject {
  /** Unique within its owner: the function's or trigger's name. */
  name: string
  /** Statements that may run again: CREATE OR REPLACE FUNCTION / TRIGGER. */
  sql: string
}

const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS faena_sql_object (
  owner text NOT NULL,
  name text NOT NULL,
  sha256 text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, name)
)`

/** The SHA-256 of what was applied, as the bookkeeping tables keep it. */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** The rows of a bookkeeping table, or none when no migration has made the table yet (42P01). */
export async function rowsOrNone<R>(read: Promise<{ rows: R[] }>): Promise<R[]> {
  try {
    return (await read).rows
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return []
    throw err
  }
}

/**
 * Applies `objects` of `owner` whose text differs from what was last applied, in order, on
 * `client` (inside the caller's transaction and lock); returns the names applied now.
 */
export async function applySqlObjects(client: ClientBase, owner: string, objects: SqlObject[]): Promise<string[]> {
  const names = objects.map((o) => o.name)
  const twice = names.find((n, i) => names.indexOf(n) !== i)
  if (twice) throw new Error(`${owner}: the SQL object "${twice}" is declared twice`)
  await client.query(BOOKKEEPING)
  const { rows } = await client.query<{ name: string; sha256: string }>(
    'SELECT name, sha256 FROM faena_sql_object WHERE owner = $1',
    [owner],
  )
  const applied = new Map(rows.map((r) => [r.name, r.sha256]))
  const now: string[] = []
  for (const object of objects) {
    const hash = sha256(object.sql)
    if (applied.get(object.name) === hash) continue
    try {
      await client.query(object.sql)
    } catch (err) {
      throw new Error(`${owner}: the SQL object "${object.name}" failed: ${(err as Error).message}`)
    }
    await client.query(
      `INSERT INTO faena_sql_object (owner, name, sha256) VALUES ($1, $2, $3)
       ON CONFLICT (owner, name) DO UPDATE SET sha256 = EXCLUDED.sha256, applied_at = now()`,
      [owner, object.name, hash],
    )
    now.push(object.name)
  }
  return now
}
