// The one configuration schema. Every setting, its type, default and meaning; the Config type
// is derived from it. Only load-config.ts reads the environment.
import Type, { type Static } from 'typebox'

const Int = (def: number, min: number, description: string, max?: number) =>
  Type.Integer({ default: def, minimum: min, ...(max === undefined ? {} : { maximum: max }), description })

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
    description: 'production requires JWT_SECRET and DATABASE_URL-or-DATA_DIR choices to be explicit',
  }),
  HOST: Type.String({ default: '0.0.0.0', description: 'address the HTTP server binds' }),
  PORT: Int(3000, 0, 'HTTP port (0 picks a free one)', 65535),
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
  LOG_FORMAT: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')], {
    default: 'auto',
    description:
      'json: one JSON object a line (pino); pretty: readable lines (pino-pretty); auto: pretty when stdout is a terminal and NODE_ENV is not production, json otherwise',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({ minLength: 1, description: 'PostgreSQL URL; unset = embedded PostgreSQL under DATA_DIR' }),
  ),
  DATABASE_DIRECT_URL: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'a session connection (PostgreSQL itself or a session-mode pooler) for LISTEN and migrations, when DATABASE_URL goes through a transaction-mode pooler',
    }),
  ),
  DATABASE_POOL_SIZE: Int(10, 2, 'connections in the pool shared by Prisma and the queue'),
  DATABASE_PREPARED_STATEMENTS: Type.Boolean({
    default: false,
    description:
      "send the queue's statements as named prepared statements: only where DATABASE_URL is a session connection, never through a transaction-mode pooler",
  }),
  DATA_DIR: Type.String({ default: './.data', description: 'embedded PostgreSQL, local files, generated dev secret' }),
  JWT_SECRET: Type.Optional(
    Type.String({ minLength: 32, description: 'HS256 secret; generated under DATA_DIR outside production' }),
  ),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1, description: 'when set, tokens must carry this `iss`' })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1, description: 'when set, tokens must carry this `aud`' })),
  OIDC_ISSUER: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "the identity provider's issuer: its keys are found through OIDC discovery, and tokens must carry this `iss`",
    }),
  ),
  JWT_JWKS_URL: Type.Optional(
    Type.String({ minLength: 1, description: "the identity provider's JWKS, when not found through OIDC_ISSUER" }),
  ),
  JWT_ALGORITHMS: Type.String({
    default: 'RS256,ES256,EdDSA',
    description: "the provider's signing algorithms accepted, comma-separated (asymmetric only)",
  }),
  JWT_USER_CLAIM: Type.String({ default: 'sub', description: 'the claim that names the user' }),
  JWT_ROLES_CLAIM: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "a dotted path to the caller's roles, for example realm_access.roles; `admin` among them is an admin",
    }),
  ),
  FOLLOW_LINK_TTL_SECONDS: Int(
    86_400,
    60,
    "how long a job's follow link (followUrl, answered by every route that creates a job) reads it",
  ),
  JWKS_REFRESH_MS: Int(600_000, 1000, "how often the provider's keys are fetched again"),
  JWKS_COOLDOWN_MS: Int(
    30_000,
    0,
    'after a token with an unknown key id, how long before another one may fetch the keys',
  ),
  CORS_ORIGINS: Type.String({
    default: '',
    description: 'origins a browser may call the API from, comma-separated (* = any); empty = CORS off',
  }),
  TRUST_PROXY: Type.String({
    default: 'false',
    description: 'whose X-Forwarded-For to believe: false, true (any peer), or proxy addresses/CIDRs, comma-separated',
  }),
  MAX_ACTIVE_JOBS_PER_USER: Int(
    1000,
    1,
    'queued + running jobs one user may have; beyond, creating a job is a 429 with Retry-After',
  ),
  MAX_SCHEDULES_PER_USER: Int(100, 0, 'recurring schedules one user may have; beyond, creating one is a 409'),
  JOB_CREATION_PER_MINUTE: Int(
    600,
    1,
    'job-creating requests one user may make per minute; beyond, 429 with Retry-After',
  ),
  FAENA_JOB_TYPES: Type.String({
    default: '',
    description:
      'job types from outside faena: comma-separated ES module specifiers, each a path (./jobs/index.js) or a package name resolved from the working directory; a module default-exports a definition (defineJobType) or an array of them',
  }),
  MIGRATE_ON_START: Type.Boolean({
    default: true,
    description:
      'false: the node does not migrate; it refuses to start until the database serves its schema version (`npm run migrate`, a separate deployment step)',
  }),
  ROLE: Type.Union([Type.Literal('all'), Type.Literal('api'), Type.Literal('worker')], {
    default: 'all',
    description:
      'all: serves the API and runs jobs; api: serves the API only; worker: runs jobs only (HTTP: /health only). api and worker nodes share one DATABASE_URL',
  }),
  WORKER_CONCURRENCY: Int(2, 0, 'worker threads, and so jobs run at once by this process (0 = API only)'),
  WORKER_PREFETCH: Int(
    32,
    0,
    'jobs a process may claim ahead of its idle threads while jobs are short: a thread that finishes starts the next one without a round trip (0 = claim only for idle threads)',
  ),
  WORKER_BATCH: Int(
    1,
    1,
    "short jobs claimed ahead go to a thread this many at a time, run one after the other in one task (1 = one job a task): fewer hand-overs between threads; a job of a batch stuck past CANCEL_GRACE_MS takes the batch's unfinished jobs back to the queue with it",
  ),
  WORKER_PREFETCH_WINDOW_MS: Int(
    25,
    1,
    'claims ahead only what its threads are expected to finish within this long, judged by recent jobs; a job held 40 times as long without starting is handed back',
  ),
  WORKER_MAX_HEAP_MB: Int(
    128,
    16,
    'heap limit of each worker thread (old generation, MB): a job that needs more fails with WORKER_OUT_OF_MEMORY and the process goes on',
  ),
  POLL_INTERVAL_MS: Int(2000, 50, 'fallback poll for due jobs; LISTEN/NOTIFY wakes the dispatcher at once'),
  PROGRESS_FLUSH_MS: Int(250, 10, 'progress reports are coalesced and written at most this often per process'),
  JOB_READ_CACHE_MS: Int(
    250,
    0,
    'GET /jobs/:id answers from a read of the same job at most this old, and concurrent reads of one job share one query (polling load); 0 = always read',
  ),
  EVENTS_POLL_MS: Int(
    250,
    20,
    'GET /jobs/:id/events reads the followed jobs this often: one query per period per API process, none while nobody follows',
  ),
  LEASE_MS: Int(30000, 1000, 'how long a claimed job stays ours without a heartbeat'),
  LEASE_RENEW_MS: Int(10000, 100, 'heartbeat period: renews leases and picks up missed cancel requests'),
  RETRY_BASE_MS: Int(
    1000,
    10,
    'first retry of a failed attempt after up to this long (jittered), doubling each attempt',
  ),
  RETRY_MAX_MS: Int(300000, 10, 'longest wait before a retry'),
  CANCEL_GRACE_MS: Int(5000, 0, 'after a cancel, how long a processor may clean up before its thread is killed'),
  RETENTION_DAYS: Int(
    7,
    0,
    'finished jobs older than this many days are deleted with their report rows and stored files (audit rows are kept); 0 = keep forever',
  ),
  ABANDONED_UPLOAD_MS: Int(
    86_400_000,
    1000,
    'a partial upload (local .partial file, S3 multipart upload) untouched this long was left by a dead process and is removed by the retention sweep',
  ),
  RETENTION_SWEEP_MS: Int(3_600_000, 1000, 'how often each process looks for finished jobs past RETENTION_DAYS'),
  SHUTDOWN_TIMEOUT_MS: Int(
    30000,
    0,
    'on SIGTERM/SIGINT, how long running jobs may finish before they go back to the queue',
  ),
  METRICS_TOKEN: Type.Optional(
    Type.String({
      minLength: 16,
      description: 'bearer token Prometheus scrapes GET /metrics with (admin JWTs work too)',
    }),
  ),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'base URL clients reach the API at (local download links); default http://localhost:PORT',
    }),
  ),
  STORAGE: Type.Union([Type.Literal('local'), Type.Literal('s3')], {
    default: 'local',
    description: 'where files go: local disk under DATA_DIR/files, or S3',
  }),
  S3_BUCKET: Type.Optional(Type.String({ minLength: 3, maxLength: 63, description: 'required with STORAGE=s3' })),
  S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://', description: 'for S3-compatible servers' })),
  AWS_REGION: Type.String({ default: 'us-east-1' }),
  S3_FORCE_PATH_STYLE: Type.Boolean({ default: false, description: 'path-style URLs (most S3-compatible servers)' }),
  S3_CONNECT_TIMEOUT_MS: Int(5000, 100, 'S3: longest wait for a connection to the endpoint'),
  S3_REQUEST_TIMEOUT_MS: Int(
    60_000,
    100,
    'S3: longest wait from sending a request (a whole 5 MiB part, say) to its answer',
  ),
  S3_IDLE_TIMEOUT_MS: Int(
    30_000,
    100,
    'S3: a connection that moves no byte for this long is dropped (a stalled upload or download)',
  ),
  PRESIGNED_EXPIRES: Int(900, 1, 'seconds a download link stays valid', 604800),
  MAX_UPLOAD_BYTES: Int(500 * 1024 * 1024, 1, 'largest file accepted by an upload (413 beyond, nothing kept)'),
  WEBHOOK_SECRET: Type.Optional(
    Type.String({
      pattern: '^whsec_[A-Za-z0-9+/]{32,}={0,2}$',
      description:
        'signs completion webhooks (Standard Webhooks: whsec_ and at least 24 random bytes in base64); generated under DATA_DIR outside production; unset in production = a callbackUrl is refused',
    }),
  ),
  WEBHOOK_ALLOW_PRIVATE: Type.Boolean({
    default: false,
    description:
      'let callbackUrl reach loopback, private and link-local addresses (development and tests only: never where callers are not trusted)',
  }),
  WEBHOOK_TIMEOUT_MS: Int(
    10_000,
    100,
    'a webhook attempt without a complete answer in this long failed and is tried again',
  ),
  WEBHOOK_MAX_AGE_MS: Int(
    86_400_000,
    1000,
    'a webhook is tried again, with exponential backoff and jitter, until this long after the job ended; then it is marked failed',
  ),
  WEBHOOK_RETRY_BASE_MS: Int(
    5000,
    10,
    'first retry of a failed webhook after up to this long (jittered), doubling each attempt up to an hour',
  ),
  WEBHOOK_CONCURRENCY: Int(8, 1, 'webhooks one process sends at once (a slow receiver holds one of them)'),
  // OpenTelemetry traces (docs/traces.md): the standard variables. The exporter also
  // reads OTEL_EXPORTER_OTLP_HEADERS and the timeouts, the SDK OTEL_TRACES_SAMPLER(_ARG),
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_BSP_*, from the environment themselves.
  OTEL_SDK_DISABLED: Type.Boolean({ default: false, description: 'true: no traces, whatever else is set' }),
  OTEL_TRACES_EXPORTER: Type.Optional(
    Type.Union([Type.Literal('otlp'), Type.Literal('none')], {
      description:
        'otlp: export traces (to http://localhost:4318 unless an endpoint is set); none: no traces. Unset: traces are exported when an OTLP endpoint is set',
    }),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'OTLP/HTTP base URL (traces go to <it>/v1/traces); setting it turns traces on',
    }),
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'OTLP/HTTP URL for traces, used as it is; setting it turns traces on',
    }),
  ),
  OTEL_EXPORTER_OTLP_PROTOCOL: Type.Union([Type.Literal('http/protobuf'), Type.Literal('http/json')], {
    default: 'http/protobuf',
    description: 'OTLP encoding (grpc is not supported: use an OTLP/HTTP endpoint)',
  }),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: Type.Optional(
    Type.Union([Type.Literal('http/protobuf'), Type.Literal('http/json')], {
      description: 'OTLP encoding of traces; default OTEL_EXPORTER_OTLP_PROTOCOL',
    }),
  ),
  OTEL_SERVICE_NAME: Type.String({ default: 'faena', minLength: 1, description: 'service.name of the spans' }),
})

export type Config = Static<typeof ConfigSchema>
