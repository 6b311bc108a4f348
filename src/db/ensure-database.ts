// Server-level work on a PostgreSQL server (databases are created and dropped through its
// maintenance database), shared by the runtime, the test harness and the benchmarks.
import pg from 'pg'

/** Runs `fn` on a short-lived connection to `serverUrl`. */
export async function withClient<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** The URL of database `name` on the server of `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`

/** Creates database `name` on the server of `maintenanceUrl` if missing; returns its URL. */
export async function ensureDatabase(maintenanceUrl: string, name: string): Promise<string> {
  await withClient(maintenanceUrl, async (c) => {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (rowCount === 0) await c.query(`CREATE DATABASE ${quoteIdent(name)}`)
  })
  return databaseUrl(maintenanceUrl, name)
}
