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
const wasmApi = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }> }
}).WebAssembly

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

/**
 * @prisma/adapter-pg runs a migration script by splitting it on every ";", which breaks
 * function bodies (our NOTIFY trigger). Send each script whole instead: PostgreSQL's simple
 * query protocol runs a multi-statement string as one implicit transaction, so a migration
 * is also applied all or nothing.
 */
class WholeScriptPg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect()
    adapter.executeScript = async (script: string) => {
      await adapter.underlyingDriver().query(script)
    }
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
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  try {
    const adapter = bindMigrationAwareSqlAdapterFactory(new WholeScriptPg(pool))
    const engine = await bg.SchemaEngine.new({ datamodels: [[datamodel.path, datamodel.content]] }, () => {}, adapter)
    try {
      return await fn(engine)
    } finally {
      engine.free()
    }
  } finally {
    await pool.end()
  }
}

/** SQL that takes `from` (null: an empty database) to `to`; the engine connects to `url` but changes nothing. */
export function diffDatamodels(url: string, from: string | null, to: { path: string; content: string }): Promise<string> {
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
