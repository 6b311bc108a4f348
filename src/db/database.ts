// The process's one PostgreSQL pool and one PrismaClient on top of it. The queue's hot-path SQL
// (src/queue) uses the same pool directly; everything else goes through Prisma.
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { PrismaClient } from '../generated/prisma/client.js'

export interface Database {
  readonly url: string
  readonly pool: pg.Pool
  readonly prisma: PrismaClient
  /** Idempotent. */
  close(): Promise<void>
}

export function createDatabase(url: string, opts: { poolSize?: number; onError?: (err: Error) => void } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 })
  // An idle client's error (server restart) must not crash the process.
  pool.on('error', (err) => opts.onError?.(err))
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) })
  let closing: Promise<void> | undefined
  return {
    url,
    pool,
    prisma,
    close: () => {
      closing ??= (async () => {
        await prisma.$disconnect()
        await pool.end()
      })()
      return closing
    },
  }
}
