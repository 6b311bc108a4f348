// The composition root: builds every component by hand, in dependency order, and shuts them
// down in reverse order through one idempotent stop().

import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { createApiKeys } from './auth/api-keys.js'
import { createFollowLinks } from './auth/follow-links.js'
import { createJwksKeys, type JwksKeys } from './auth/jwks.js'
import { resolveJwtSecret } from './auth/jwt-secret.js'
import { createTokenService, type TokenService } from './auth/tokens.js'
import { loadConfig, loadSettings } from './config/load-config.js'
import type { Config } from './config/schema.js'
import { createDatabase, type Database, pingDatabase } from './db/database.js'
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from './db/embedded-postgres.js'
import { ensureDatabase } from './db/ensure-database.js'
import { migrateApart } from './db/migrate.js'
import { pendingOwnerMigrations } from './db/owner-migrations.js'
import { checkSchemaVersion } from './db/schema-version.js'
import { ConfigError } from './errors.js'
import { createDispatcher, type Dispatcher } from './execution/dispatcher.js'
import type { PoolUse } from './execution/pool-use.js'
import { createProgressWriter } from './execution/progress-writer.js'
import { createWorkerPool } from './execution/worker-pool.js'
import { buildApp } from './http/app.js'
import { trustProxyOption } from './http/client-ip.js'
import { jobTypes } from './job-types/index.js'
import type { Caller } from './jobs/caller.js'
import { downloadLink } from './jobs/job-files.js'
import { createJobService, type JobService } from './jobs/job-service.js'
import { setUpJobTypes } from './jobs/job-type-setup.js'
import type { JobView } from './jobs/job-view.js'
import { createJobWatch, type JobWatch } from './jobs/job-watch.js'
import { combineJobTypes, jobTypeSpecifiers, loadJobTypeModules } from './jobs/load-job-types.js'
import { createRegistry, type JobRegistry, type JobTypeDefinition, ownedSchemas } from './jobs/registry.js'
import { createLogger } from './logger.js'
import { createBulkActions } from './operators/bulk-actions.js'
import { createJobTypeOperations } from './operators/job-types.js'
import { createMetrics } from './operators/metrics.js'
import { createWorkerQueue } from './queue/index.js'
import { createNotificationListener, type NotificationListener } from './queue/notifications.js'
import { createRetentionSweeper, type RetentionSweeper } from './retention/retention-sweeper.js'
import { createScheduleService } from './schedules/schedule-service.js'
import { createTicker, type Ticker } from './schedules/ticker.js'
import type { BackgroundService, StopContext } from './service.js'
import { createStorage, storageSettings } from './storage/create-storage.js'
import type { Storage } from './storage/storage.js'
import { openTracing, tracingSettings } from './telemetry/tracing.js'
import { createDeliverer, type Deliverer } from './webhooks/deliverer.js'
import { resolveWebhookSecret } from './webhooks/secret.js'
import { createSigner } from './webhooks/sign.js'
import { checkCallbackTarget } from './webhooks/target.js'

export interface Faena {
  readonly app: FastifyInstance
  readonly db: Database
  readonly jobs: JobService
  /** The job types this process knows. */
  readonly registry: JobRegistry
  readonly tokens: TokenService
  readonly storage: Storage
  readonly workerId: string
  readonly dispatcher: Dispatcher | null
  /** Deletes finished jobs past RETENTION_DAYS with their files (sweepOnce() runs it now). */
  readonly retention: RetentionSweeper
  /** Who follows which job (the event streams). */
  readonly watch: JobWatch
  /** Listens on HOST:PORT; returns the address. */
  listen(): Promise<string>
  /** Ordered, idempotent shutdown: HTTP, dispatcher (hands running jobs back), listener, DB. */
  stop(): Promise<void>
}

/** How long the stop waits for PostgreSQL to answer before it goes on without it. */
const STOP_PING_MS = 3000

export interface FaenaOptions {
  /** The settings; read from the environment (loadConfig()) when not given. */
  config?: Config
  /** Where it logs; made from the config (LOG_LEVEL, LOG_FORMAT) when not given. */
  logger?: Logger
  /** Job types to run beside the built-in ones (src/job-types/index.ts) and those of FAENA_JOB_TYPES. */
  jobTypes?: JobTypeDefinition[]
  /** Values of job types' own settings that win over the environment (by variable name). */
  settings?: Record<string, unknown>
}

/** Every job type this node runs: the built-in ones, `extra` (startFaena's), and FAENA_JOB_TYPES' modules. */
export async function resolveJobTypes(config: Config, extra: JobTypeDefinition[] = []): Promise<JobTypeDefinition[]> {
  return combineJobTypes([
    ...jobTypes.map((definition) => ({ module: 'faena', definition })),
    ...extra.map((definition) => ({ module: 'startFaena({ jobTypes })', definition })),
    ...(await loadJobTypeModules(jobTypeSpecifiers(config.FAENA_JOB_TYPES))),
  ])
}

export async function startFaena(opts: FaenaOptions = {}): Promise<Faena> {
  const config = opts.config ?? loadConfig()
  const logger = opts.logger ?? createLogger(config)
  const cleanups: ((how: StopContext) => Promise<void>)[] = []
  /** Starts a background service and stops it, in reverse order, with the rest (src/service.ts). */
  const run = (service: BackgroundService) => {
    service.start()
    cleanups.push((how) => service.stop(how))
  }
  const stopAll = async (how: StopContext = { databaseGone: false }) => {
    for (const fn of cleanups.reverse().splice(0))
      await fn(how).catch((err: unknown) => logger.error({ err }, 'shutdown step failed'))
  }
  try {
    // Job types first: a module that fails to load stops the start before anything is opened.
    const definitions = await resolveJobTypes(config, opts.jobTypes)
    const settings = new Map(
      definitions.map((d) => [d.name, d.settings ? loadSettings(d.settings, d.name, undefined, opts.settings) : {}]),
    )
    // Traces (OTEL_* variables): the SDK is loaded only when they are on. Closed last: it
    // exports the spans of everything stopped before it.
    const traceSettings = tracingSettings(config)
    const tracing = await openTracing(traceSettings, (level, message) =>
      logger[level]({ component: 'telemetry' }, message),
    )
    cleanups.push(() => tracing.close())
    if (traceSettings)
      logger.info({ url: traceSettings.url, protocol: traceSettings.protocol }, 'exporting traces (OpenTelemetry)')
    let url = config.DATABASE_URL
    if (!url) {
      const dataDir = join(config.DATA_DIR, 'postgres')
      logger.info({ dataDir }, 'DATABASE_URL unset: starting embedded PostgreSQL')
      const embedded: EmbeddedPostgresHandle = await startEmbeddedPostgres({ dataDir })
      cleanups.push(() => embedded.stop())
      url = await ensureDatabase(embedded.url, 'faena')
    }
    // What needs a session connection (migrations' lock, LISTEN) goes to DATABASE_DIRECT_URL
    // when DATABASE_URL is a transaction-mode pooler; both work through the pooler too.
    const sessionUrl = config.DATABASE_DIRECT_URL ?? url
    if (config.MIGRATE_ON_START) {
      const { migrations, sqlObjects } = await migrateApart(sessionUrl, ownedSchemas(definitions))
      if (migrations.length > 0) logger.info({ applied: migrations }, 'migrations applied')
      if (sqlObjects.length > 0) logger.info({ sqlObjects }, 'functions and triggers applied')
    }

    const db = createDatabase(url, {
      poolSize: config.DATABASE_POOL_SIZE,
      preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
      onError: (err) => logger.warn({ err }, 'idle database client error'),
    })
    cleanups.push(() => db.close())
    // Whoever migrated, this node must fit the database: not older than it still serves, and
    // with its own version (and its job types' migrations) applied.
    await checkSchemaVersion(db.pool)
    if (!config.MIGRATE_ON_START) {
      const pending = await pendingOwnerMigrations(db.pool, ownedSchemas(definitions))
      if (pending.length > 0) {
        throw new ConfigError(
          `job types' migrations are not applied: ${pending.join(', ')}: run \`npm run migrate\` (or start with MIGRATE_ON_START=true) first`,
        )
      }
    }

    const jwtSecret = resolveJwtSecret(config)
    const jwks = await providerKeys(config, logger)
    if (jwks) cleanups.push(async () => jwks.close())
    const tokens = createTokenService(
      jwtSecret,
      {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        userClaim: config.JWT_USER_CLAIM,
        rolesClaim: config.JWT_ROLES_CLAIM,
      },
      jwks
        ? {
            keys: jwks,
            issuer: config.OIDC_ISSUER ?? config.JWT_ISSUER,
            algorithms: config.JWT_ALGORITHMS.split(',').map((a) => a.trim()),
          }
        : undefined,
    )
    const storageConfig = storageSettings(config, jwtSecret)
    const storage = await createStorage(storageConfig)
    cleanups.push(() => storage.close())

    const webhookSecret = resolveWebhookSecret(config)
    const registry = createRegistry(definitions)
    const watch = createJobWatch(db, config.EVENTS_POLL_MS)
    let dispatcher: Dispatcher | null = null
    const poolUse: PoolUse = () =>
      dispatcher ? { threads: config.WORKER_CONCURRENCY, running: dispatcher.runningJobIds().length } : null
    const metrics = createMetrics(db.pool, poolUse)
    // Job types' view fields need the job service they decorate: bound once both exist.
    let decorate = async (views: JobView[]) => views
    const jobs = createJobService(db, registry, {
      maxActivePerUser: config.MAX_ACTIVE_JOBS_PER_USER,
      readCacheMs: config.JOB_READ_CACHE_MS,
      watch,
      metrics,
      logger: logger.child({ component: 'jobs' }),
      decorate: (views) => decorate(views),
      storage,
      tracing,
      // Jobs created here start on a free thread of this node at once when nothing is due before them.
      offerThread: (type: string) => dispatcher?.offer(type) ?? null,
      ...(webhookSecret
        ? { checkCallback: (url: string) => checkCallbackTarget(url, config.WEBHOOK_ALLOW_PRIVATE) }
        : {}),
    })
    // Schedules made here wake this node's ticker at once; other nodes see them within a second.
    let ticker: Ticker | null = null
    const schedules = createScheduleService(db, jobs, {
      maxPerUser: config.MAX_SCHEDULES_PER_USER,
      changed: () => ticker?.wake(),
    })
    const jobTypeParts = setUpJobTypes(
      registry,
      {
        db,
        storage,
        jobs,
        config,
        logger: logger.child({ component: 'job-types' }),
      },
      (type) => settings.get(type) ?? {},
    )
    decorate = jobTypeParts.decorate
    const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`

    const retention = createRetentionSweeper({
      db: db.pool,
      storage,
      retentionDays: config.RETENTION_DAYS,
      intervalMs: config.RETENTION_SWEEP_MS,
      abandonedUploadMs: config.ABANDONED_UPLOAD_MS,
      logger: logger.child({ component: 'retention' }),
    })
    if (config.RETENTION_DAYS > 0 && config.ROLE !== 'api') {
      run(retention)
    }

    // Webhooks are sent by the nodes that run jobs (or sweep, with no threads), as retention.
    let deliverer: Deliverer | null = null
    if (webhookSecret && config.ROLE !== 'api') {
      const d = createDeliverer({
        db: db.pool,
        workerId,
        sign: createSigner(webhookSecret),
        render: (job) => jobs.render(job),
        concurrency: config.WEBHOOK_CONCURRENCY,
        pollMs: Math.min(config.POLL_INTERVAL_MS, 1000),
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        maxAgeMs: config.WEBHOOK_MAX_AGE_MS,
        retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
        retryMaxMs: 3_600_000,
        allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
        logger: logger.child({ component: 'webhooks' }),
        tracing,
      })
      run(d)
      deliverer = d
    }

    if (config.ROLE !== 'api') {
      const t = createTicker({ db, jobs, checkMs: 1000, logger: logger.child({ component: 'schedules' }), tracing })
      run(t)
      ticker = t
    }

    if (config.WORKER_CONCURRENCY > 0 && config.ROLE !== 'api') {
      const queue = createWorkerQueue(db.pool, workerId, config.LEASE_MS)
      const progress = createProgressWriter(queue.saveProgress, config.PROGRESS_FLUSH_MS, (err) =>
        logger.warn({ err }, 'saving progress failed'),
      )
      const d = createDispatcher({
        queue,
        pool: createWorkerPool(
          config.WORKER_CONCURRENCY,
          { databaseUrl: url, storage: storageConfig },
          {
            maxHeapMb: config.WORKER_MAX_HEAP_MB,
            onThreadError: (err) => logger.error({ err }, 'a worker thread died outside a job; it is replaced'),
          },
        ),
        registry,
        progress,
        logger: logger.child({ component: 'dispatcher', workerId }),
        pollIntervalMs: config.POLL_INTERVAL_MS,
        leaseRenewMs: config.LEASE_RENEW_MS,
        cancelGraceMs: config.CANCEL_GRACE_MS,
        shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
        retryBaseMs: config.RETRY_BASE_MS,
        retryMaxMs: config.RETRY_MAX_MS,
        claimAhead: { max: config.WORKER_PREFETCH, windowMs: config.WORKER_PREFETCH_WINDOW_MS },
        batch: config.WORKER_BATCH,
        metrics,
        tracing,
      })
      const listener: NotificationListener = createNotificationListener(
        sessionUrl,
        {
          onJobQueued: (dueAt) => (dueAt === null ? d.wake() : d.wakeAt(dueAt)),
          onCancelRequested: (jobId) => d.abort(jobId, 'cancel'),
          onWebhookDue: () => deliverer?.wake(),
          onReconnect: () => {
            d.wake()
            deliverer?.wake()
          },
          onError: (err) => logger.warn({ err }, 'notification listener error'),
        },
        { notifier: db.pool },
      )
      if (await listener.start()) cleanups.push(() => listener.stop())
      else {
        logger.warn(
          {
            setting: config.DATABASE_DIRECT_URL ? 'DATABASE_DIRECT_URL' : 'DATABASE_URL',
            pollIntervalMs: config.POLL_INTERVAL_MS,
            leaseRenewMs: config.LEASE_RENEW_MS,
          },
          'LISTEN/NOTIFY does not reach this process through this URL (a transaction-mode pooler?): new jobs start on the poll and cancels arrive at the next heartbeat; ' +
            'set DATABASE_DIRECT_URL to a session connection for both at once',
        )
      }
      // Registered after the listener so that it stops first: cancels still arrive meanwhile.
      run(d)
      dispatcher = d
    }

    const app = await buildApp({
      logger,
      tracing,
      tokens,
      follow: createFollowLinks(jwtSecret, config.FOLLOW_LINK_TTL_SECONDS),
      apiKeys: { keys: createApiKeys(db.pool) },
      publicUrl: config.PUBLIC_URL,
      jobs: { jobs, downloadLink: (caller: Caller, jobId: string) => downloadLink(db, storage, jobs, caller, jobId) },
      schedules: { schedules },
      jobTypes: { jobTypes: createJobTypeOperations(db.pool, registry) },
      jobActions: {
        actions: createBulkActions({ db: db.pool, jobs, storage, logger: logger.child({ component: 'operators' }) }),
      },
      jobTypeRoutes: jobTypeParts.routes,
      jobViewProperties: jobTypeParts.viewProperties,
      openApiTags: jobTypeParts.tags,
      ...(storageConfig.driver === 'local'
        ? { localFiles: { storage, signingSecret: storageConfig.signingSecret } }
        : {}),
      web: { tokens, devTokenUser: config.JWT_SECRET ? null : 'dev' },
      metrics: { metrics, tokens, metricsToken: config.METRICS_TOKEN },
      stats: { db: db.pool, pool: poolUse, workerId },
      healthOnly: config.ROLE === 'worker',
      https: config.PUBLIC_URL?.startsWith('https://') ?? false,
      trustProxy: trustProxyOption(config.TRUST_PROXY),
      jobCreationPerMinute: config.JOB_CREATION_PER_MINUTE,
      corsOrigins: config.CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      health: {
        database: async () => void (await db.pool.query('SELECT 1')),
        pool: poolUse,
        ...(jwks ? { jwks: () => jwks.state() } : {}),
      },
    })
    cleanups.push(() => app.close())
    // Runs before app.close(): ends the event streams, which would otherwise hold it open.
    cleanups.push(async () => watch.close())

    let stopping: Promise<void> | undefined
    return {
      app,
      db,
      jobs,
      registry,
      tokens,
      storage,
      workerId,
      dispatcher,
      retention,
      watch,
      listen: () => app.listen({ host: config.HOST, port: config.PORT }),
      stop: () =>
        (stopping ??= (async () => {
          // With PostgreSQL gone (stopped, partitioned) every step that talks to it would wait
          // forever: find out first, and then stop without it.
          const gone = await pingDatabase(url, STOP_PING_MS)
          if (gone) {
            logger.warn(
              { err: gone, jobIds: dispatcher?.runningJobIds() ?? [], leaseMs: config.LEASE_MS },
              'the database does not answer: running jobs cannot be handed back; they are stopped and left to their leases, and another node takes them once those expire',
            )
            db.abandon()
          }
          await stopAll({ databaseGone: gone !== null })
        })()),
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}

/** The identity provider's keys (OIDC_ISSUER or JWT_JWKS_URL), fetched once before the API opens. */
async function providerKeys(config: Config, logger: Logger): Promise<JwksKeys | null> {
  if (!config.OIDC_ISSUER && !config.JWT_JWKS_URL) return null
  const keys = createJwksKeys({
    jwksUrl: config.JWT_JWKS_URL ?? null,
    issuer: config.OIDC_ISSUER ?? null,
    refreshMs: config.JWKS_REFRESH_MS,
    cooldownMs: config.JWKS_COOLDOWN_MS,
    logger: logger.child({ component: 'jwks' }),
  })
  await keys.start()
  return keys
}
