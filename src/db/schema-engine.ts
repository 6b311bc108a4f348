// Prisma's schema engine, loaded from its WebAssembly build (@prisma/schema-engine-wasm), so
// that migrations are created and applied without the native binary the prisma CLI would
// download. The package targets bundlers: we instantiate its .wasm ourselves.
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PrismaPg } from '@prisma/adapter-pg'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg'
import pg from 'pg'

export type SchemaEngine = bg.SchemaEngine

// The WebAssembly global is not in this project's `lib` (no DOM types); this is all we use of it.
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>
    }
  }
).WebAssembly

let loaded: Promise<void> | undefined

function loadWasm(): Promise<void> {
  loaded ??= (async () => {
    // The .wasm is not in the package's exports: find it next to the resolved JS glue.
    const glue = fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg'))
    const bytes = await readFile(join(dirname(glue), 'schema_engine_bg.wasm'))
    // The engine arms 10 s timers (query timeouts) it never clears; unref them so that they do
    // not hold a process open after its work is done.
    const imports: Record<string, unknown> = { ...bg }
    for (const name of Object.keys(imports).filter((k) => k.startsWith('__wbg_setTimeout_'))) {
      imports[name] = (fn: () => void, ms: number) => setTimeout(fn, ms >>> 0).unref()
    }
    const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': imports })
    bg.__wbg_set_wasm(instance.exports)
    ;(instance.exports.__wbindgen_start as () => void)()
  })()
  return loaded
}

// The schema engine serialises migrations with a SESSION advisory lock (`SELECT
// pg_advisory_lock(72707369)`, never unlocked: it goes with the connection). Behind a
// transaction-mode pooler the lock stays on whichever server connection ran that statement,
// after we disconnect, and the next migration that lands on another one waits for it forever.
// So the lock is taken instead as a TRANSACTION lock, on a connection of our own kept in an
// open transaction until the engine is done: the same key, so it still excludes a concurrent
// `prisma migrate deploy`, and it ends with the transaction wherever the connection goes.
const ENGINE_LOCK = /^\s*SELECT pg_advisory_lock\((\d+)\)\s*;?\s*$/i

/** The migration lock, held in a transaction of its own from take() until release(). */
function migrationLock(pool: pg.Pool) {
  let holder: pg.PoolClient | undefined
  return {
    async take(key: string): Promise<void> {
      if (holder) return // re-entrant, as the session lock is
      const c = await pool.connect()
      try {
        await c.query('BEGIN')
        await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [key])
        holder = c
      } catch (err) {
        c.release(true)
        throw err
      }
    },
    async release(): Promise<void> {
      const c = holder
      holder = undefined
      if (!c) return
      // The lock guards nothing of its own transaction: rolling back just ends it.
      await c.query('ROLLBACK').then(
        () => c.release(),
        (err: Error) => c.release(err),
      )
    },
  }
}

type MigrationLock = ReturnType<typeof migrationLock>

/**
 * @prisma/adapter-pg runs a migration script by splitting it on every ";", which breaks
 * function bodies (our NOTIFY trigger). Send each script whole instead: PostgreSQL's simple
 * query protocol runs a multi-statement string as one implicit transaction, so a migration
 * is also applied all or nothing. And the engine's session lock becomes `lock` (above).
 */
class MigrationPg extends PrismaPg {
  constructor(
    pool: pg.Pool,
    private readonly lock: MigrationLock,
  ) {
    super(pool)
  }

  override async connect() {
    const adapter = await super.connect()
    adapter.executeScript = async (script: string) => {
      await adapter.underlyingDriver().query(script)
    }
    // The engine reads back one row of one void column, as pg_advisory_lock() returns.
    const locking = async <Q extends { sql: string }>(query: Q): Promise<Q> => {
      const key = ENGINE_LOCK.exec(query.sql)?.[1]
      if (key === undefined) return query
      await this.lock.take(key)
      return { ...query, sql: 'SELECT NULL::void AS pg_advisory_lock' }
    }
    const queryRaw = adapter.queryRaw.bind(adapter)
    const executeRaw = adapter.executeRaw.bind(adapter)
    adapter.queryRaw = async (query) => queryRaw(await locking(query))
    adapter.executeRaw = async (query) => executeRaw(await locking(query))
    return adapter
  }
}

/**
 * Runs `fn` with a schema engine connected to `url` for the given Prisma schema, then frees the
 * engine and closes its connections (the engine itself never ends the pool it was given).
 */
export async function withSchemaEngine<T>(
  url: string,
  datamodel: { path: string; content: string },
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadWasm()
  // Two connections for the engine, one for the migration lock.
  const pool = new pg.Pool({ connectionString: url, max: 3 })
  const lock = migrationLock(pool)
  try {
    const adapter = bindMigrationAwareSqlAdapterFactory(new MigrationPg(pool, lock))
    const engine = await bg.SchemaEngine.new({ datamodels: [[datamodel.path, datamodel.content]] }, () => {}, adapter)
    try {
      return await fn(engine)
    } finally {
      engine.free()
    }
  } finally {
    await lock.release()
    await pool.end()
  }
}

/** SQL that takes `from` (null: an empty database) to `to`; the engine connects to `url` but changes nothing. */
export function diffDatamodels(
  url: string,
  from: string | null,
  to: { path: string; content: string },
): Promise<string> {
  return withSchemaEngine(url, to, async (engine) => {
    const out = await engine.diff({
      from: from === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: to.path, content: from }] },
      to: { tag: 'schemaDatamodel', files: [to] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    })
    return out.stdout ?? ''
  })
}
