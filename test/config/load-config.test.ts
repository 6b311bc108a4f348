import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadConfig } from '../../src/config/load-config.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { jobTypes } from '../../src/job-types/index.js'

t.test('defaults apply when nothing is set', async (t) => {
  const c = loadConfig({})
  t.match(c, {
    NODE_ENV: 'development',
    PORT: 3000,
    DATA_DIR: './.data',
    WORKER_CONCURRENCY: 2,
    SHUTDOWN_TIMEOUT_MS: 30000,
  })
  t.equal(c.DATABASE_URL, undefined, 'no DATABASE_URL: the embedded database is used')
})

t.test('values are coerced from strings', async (t) => {
  const c = loadConfig({ PORT: '8080', WORKER_CONCURRENCY: '0', DATABASE_URL: 'postgresql://x/y' })
  t.match(c, { PORT: 8080, WORKER_CONCURRENCY: 0, DATABASE_URL: 'postgresql://x/y' })
})

t.test('a bad value is a startup error naming the variable', async (t) => {
  t.throws(() => loadConfig({ WORKER_CONCURRENCY: 'many' }), {
    code: 'CONFIG_INVALID',
    message: /WORKER_CONCURRENCY="many"/,
  })
  t.throws(() => loadConfig({ PORT: '70000' }), { message: /PORT=70000/ })
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), { message: /LOG_LEVEL="loud"/ })
  t.throws(() => loadConfig({ JWT_SECRET: 'short' }), { message: /JWT_SECRET/ })
})

t.test('production requires an explicit secret and database', async (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), {
    message: /JWT_SECRET and DATABASE_URL are required when NODE_ENV=production/,
  })
  t.throws(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://x/y' }), {
    message: /JWT_SECRET is required/,
  })
  t.ok(loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://x/y', JWT_SECRET: 'x'.repeat(32) }))
})

t.test(".env.example lists every setting, the built-in job types' own too", async (t) => {
  const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8')
  const typeSettings = jobTypes.flatMap((d) => Object.keys(d.settings?.properties ?? {}))
  t.ok(typeSettings.includes('MAX_REPORT_BODY_BYTES'), "data-report's")
  for (const key of [...Object.keys(ConfigSchema.properties), ...typeSettings]) {
    t.match(example, new RegExp(`^#? ?${key}=`, 'm'), key)
  }
})

t.test('STORAGE=s3 without a bucket is a startup error that says so', async (t) => {
  t.throws(() => loadConfig({ STORAGE: 's3' }), { message: /S3_BUCKET is required when STORAGE=s3/ })
  t.match(loadConfig({ STORAGE: 's3', S3_BUCKET: 'my-bucket', S3_FORCE_PATH_STYLE: 'true' }), {
    STORAGE: 's3',
    S3_FORCE_PATH_STYLE: true,
    PRESIGNED_EXPIRES: 900,
  })
  t.throws(() => loadConfig({ STORAGE: 'ftp' }), { message: /STORAGE="ftp"/ })
})

t.test('DATABASE_DIRECT_URL goes beside a DATABASE_URL; prepared statements are off unless asked for', async (t) => {
  t.throws(() => loadConfig({ DATABASE_DIRECT_URL: 'postgres://db/faena' }), {
    message: /DATABASE_DIRECT_URL .* set DATABASE_URL too/,
  })
  const pooled = loadConfig({
    DATABASE_URL: 'postgres://pooler:6432/faena',
    DATABASE_DIRECT_URL: 'postgres://db:5432/faena',
  })
  t.equal(pooled.DATABASE_DIRECT_URL, 'postgres://db:5432/faena')
  t.equal(pooled.DATABASE_PREPARED_STATEMENTS, false, 'safe behind a transaction-mode pooler by default')
  t.equal(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'true' }).DATABASE_PREPARED_STATEMENTS, true)
  t.throws(() => loadConfig({ LOG_FORMAT: 'xml' }), { message: /LOG_FORMAT="xml"/ })
})

t.test('traces: on with an OTLP endpoint, off otherwise; grpc is refused by name', async (t) => {
  const { tracingSettings } = await import('../../src/telemetry/tracing.js')
  t.equal(tracingSettings(loadConfig({})), null, 'nothing set: no traces')
  t.same(tracingSettings(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })), {
    url: 'http://collector:4318/v1/traces',
    protocol: 'http/protobuf',
    serviceName: 'faena',
  })
  t.same(
    tracingSettings(
      loadConfig({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://x.example/otlp/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'imports',
      }),
    ),
    {
      url: 'https://x.example/otlp/traces',
      protocol: 'http/json',
      serviceName: 'imports',
    },
    'the traces endpoint is used as it is',
  )
  t.match(
    tracingSettings(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }),
    ),
    { protocol: 'http/json' },
    'the traces protocol wins',
  )
  t.match(
    tracingSettings(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' })),
    { url: 'http://localhost:4318/v1/traces' },
    'otlp without an endpoint: the default one',
  )
  t.equal(
    tracingSettings(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })),
    null,
    'none: off',
  )
  t.equal(
    tracingSettings(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })),
    null,
    'disabled: off',
  )
  t.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), {
    message: /OTEL_EXPORTER_OTLP_PROTOCOL="grpc"/,
  })
})
