// Starts a real faena (real PostgreSQL database of the test's own, real worker threads) with
// the test processors registered, and stops it when the test ends.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Test } from 'tap'
import { loadConfig } from '../../src/config/load-config.js'
import type { Config } from '../../src/config/schema.js'
import { freePort } from '../../src/db/embedded-postgres.js'
import type { Role } from '../../src/jobs/caller.js'
import { type Faena, startFaena } from '../../src/runtime.js'
import { testJobTypes } from '../processors/index.js'
import { createTestDatabase } from './database.js'

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789'

export interface TestFaena {
  faena: Faena
  url: string
  config: Config
  token(userId: string, opts?: { admin?: boolean; role?: Role }): string
  /** app.inject with a bearer token for `userId`. */
  as(userId: string, opts?: { admin?: boolean; role?: Role }): ReturnType<typeof injector>
}

function injector(faena: Faena, token: string) {
  const headers = { authorization: `Bearer ${token}` }
  return {
    get: (url: string) => faena.app.inject({ method: 'GET', url, headers }),
    post: (url: string, payload?: unknown, extra: Record<string, string> = {}) =>
      faena.app.inject({
        method: 'POST',
        url,
        headers: { ...headers, ...extra },
        ...(payload === undefined ? {} : { payload: payload as object }),
      }),
    delete: (url: string) => faena.app.inject({ method: 'DELETE', url, headers }),
  }
}

export async function startTestFaena(
  t: Test,
  opts: {
    databaseUrl?: string
    config?: Partial<Config>
    /** Job types' own settings (data-report's MAX_REPORT_BODY_BYTES, say). */
    settings?: Record<string, unknown>
    stopOnTeardown?: boolean
    logLines?: (line: Record<string, unknown>) => void
  } = {},
): Promise<TestFaena> {
  const url = opts.databaseUrl ?? (await createTestDatabase(t))
  const dataDir = mkdtempSync(join(tmpdir(), 'faena-test-data-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const config = loadConfig(
    {},
    {
      NODE_ENV: 'test',
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'silent',
      PORT: 0,
      HOST: '127.0.0.1',
      DATABASE_POOL_SIZE: 4,
      // A poll this slow proves that LISTEN/NOTIFY, not polling, starts the jobs.
      POLL_INTERVAL_MS: 60_000,
      PROGRESS_FLUSH_MS: 20,
      // Tests read a job right after changing it from elsewhere (another faena, SQL).
      JOB_READ_CACHE_MS: 0,
      CANCEL_GRACE_MS: 2000,
      RETRY_BASE_MS: 50,
      RETRY_MAX_MS: 200,
      SHUTDOWN_TIMEOUT_MS: 5000,
      ...opts.config,
    },
  )
  const logger = opts.logLines
    ? pino({ level: 'info' }, { write: (line: string) => opts.logLines!(JSON.parse(line) as Record<string, unknown>) })
    : pino({ level: process.env.FAENA_TEST_LOG_LEVEL ?? 'silent' })
  const faena = await startFaena({ config, logger, jobTypes: testJobTypes, settings: opts.settings ?? {} })
  if (opts.stopOnTeardown !== false) t.teardown(() => faena.stop())
  return {
    faena,
    url,
    config,
    token: (userId, o = {}) => faena.tokens.sign(userId, o),
    as: (userId, o = {}) => injector(faena, faena.tokens.sign(userId, o)),
  }
}

/**
 * A test faena listening over real HTTP for clients outside the process (a browser, the CLI),
 * with its PUBLIC_URL its own address; events are polled every 50 ms.
 */
export async function startListeningTestFaena(
  t: Test,
  config: Partial<Config> = {},
): Promise<{ f: TestFaena; base: string }> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const f = await startTestFaena(t, { config: { PORT: port, PUBLIC_URL: base, EVENTS_POLL_MS: 50, ...config } })
  await f.faena.listen()
  return { f, base }
}

/** The file behind one of this faena's signed links (local storage), fetched in process; throws unless 200. */
export async function download(f: TestFaena, url: string): Promise<Buffer> {
  const link = new URL(url)
  const res = await f.faena.app.inject(`${link.pathname}${link.search}`)
  if (res.statusCode !== 200) throw new Error(`download answered ${res.statusCode}: ${res.body}`)
  return res.rawPayload
}
