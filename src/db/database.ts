// The process's one PostgreSQL pool and one PrismaClient on top of it. The queue's hot-path SQL
// (src/queue) uses the same pool directly; everything else goes through Prisma.
//
// Every statement goes out UNNAMED unless `preparedStatements` is on. The queue's statements
// carry names (server-side prepared statements, parsed and planned once per connection), but a
// named statement lives on one server connection, and a transaction-mode pooler (PgBouncer
// before 1.21, RDS Proxy, Supavisor) hands each transaction another one, where it does not
// exist: "prepared statement ... does not exist". Prisma's adapter sends unnamed statements
// already. On a direct connection named statements give about 1.3x the no-op throughput
// (bench:queue --named 1, docs/benchmarks.md): a setting, off by default.
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { PrismaClient } from '../generated/prisma/client.js'

export interface Database {
  readonly url: string
  readonly pool: pg.Pool
  readonly prisma: PrismaClient
  /**
   * Runs `fn` in one transaction on one connection of the pool: committed when `fn` resolves,
   * rolled back when it throws (and the error thrown again).
   */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>
  /**
   * For a database that no longer answers: cuts every connection of the pool at once, without
   * a goodbye, and refuses new queries, so that whatever waits on one fails now instead of
   * never. Idempotent; close() still follows.
   */
  abandon(): void
  /** Idempotent. */
  close(): Promise<void>
}

/**
 * Ends a client that may never answer its goodbye (the server is gone): `end()` gets `waitMs`,
 * then the socket is cut. Resolves either way.
 */
export async function endClient(client: pg.Client, waitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([client.end().catch(() => {}), new Promise((ok) => (timer = setTimeout(ok, waitMs)))])
  clearTimeout(timer)
  client.connection.stream.destroy()
}

/** Null when PostgreSQL at `url` answers `SELECT 1` on a new connection within `timeoutMs`; else why not. */
export async function pingDatabase(url: string, timeoutMs: number): Promise<Error | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs })
  client.on('error', () => {}) // the answer is the outcome below
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>(
    (_, fail) => (timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
  )
  try {
    await Promise.race([client.connect().then(() => client.query('SELECT 1')), late])
    return null
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  } finally {
    clearTimeout(timer)
    await endClient(client, 0)
  }
}

export interface DatabaseOptions {
  poolSize?: number
  /** Keep the queue's named statements (only on a session connection). Default false. */
  preparedStatements?: boolean
  onError?: (err: Error) => void
}

/** How long close() waits for an abandoned pool to wind down. */
const ABANDONED_CLOSE_MS = 1000

export function createDatabase(url: string, opts: DatabaseOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    ...(opts.preparedStatements ? {} : { Client: UnnamedClient }),
  })
  // An idle client's error (server restart) must not crash the process.
  pool.on('error', (err) => opts.onError?.(err))
  const clients = new Set<pg.Client>()
  pool.on('connect', (c) => {
    clients.add(c)
    c.once('end', () => clients.delete(c))
  })
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) })
  let closing: Promise<void> | undefined
  let abandoned = false
  let ended: Promise<void> | undefined
  const end = () => (ended ??= pool.end())
  return {
    url,
    pool,
    prisma,
    transaction: (fn) => inTransaction(pool, fn),
    abandon: () => {
      if (abandoned) return
      abandoned = true
      // pool.end() first: from now on the pool refuses queries instead of opening connections.
      void end().catch(() => {})
      for (const c of clients) c.connection.stream.destroy()
    },
    close: () => {
      closing ??= (async () => {
        const goodbye = (async () => {
          await prisma.$disconnect()
          await end()
        })()
        // Abandoned: a transaction that held a cut connection may never give it back to the
        // pool, and pool.end() waits for every client; the process is leaving, so not for long.
        if (!abandoned) return goodbye
        let timer: NodeJS.Timeout | undefined
        await Promise.race([goodbye.catch(() => {}), new Promise((ok) => (timer = setTimeout(ok, ABANDONED_CLOSE_MS)))])
        clearTimeout(timer)
      })()
      return closing
    },
  }
}

/** See Database.transaction. */
async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    const out = await fn(client)
    await client.query('COMMIT')
    return out
  } catch (err) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query('ROLLBACK').catch((e: Error) => (broken = e))
    throw err
  } finally {
    client.release(broken)
  }
}

/** A pg client that drops the name of a statement it is given: see the top of this file. */
class UnnamedClient extends pg.Client {}
const namedQuery = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown
UnnamedClient.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
  // A plain query config with a name; never a Submittable (a COPY stream, a cursor): those are
  // objects of their own class, passed through as they are.
  if (
    config !== null &&
    typeof config === 'object' &&
    'name' in config &&
    typeof (config as { submit?: unknown }).submit !== 'function'
  ) {
    const { name: _name, ...unnamed } = config as Record<string, unknown>
    config = unnamed
  }
  return namedQuery.call(this, config, ...rest)
} as typeof pg.Client.prototype.query
