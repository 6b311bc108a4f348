// The only place that reads process.env: coerces, applies defaults, validates, and names the
// variable at fault.
import type { TObject } from 'typebox'
import { Compile } from 'typebox/compile'
import Value from 'typebox/value'
import { ConfigError } from '../errors.js'
import { type Config, ConfigSchema } from './schema.js'

const check = Compile(ConfigSchema)

/** The variables of `schema` read from `env`, coerced, defaulted and checked; `overrides` win. */
function readVariables(
  schema: TObject,
  check: { Errors(value: unknown): Iterable<{ instancePath: string; message: string }> },
  env: NodeJS.ProcessEnv,
  overrides: Record<string, unknown>,
  whose: string,
): Record<string, unknown> {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(schema.properties)) {
    const v = env[key]
    if (v !== undefined && v !== '') raw[key] = v
    if (key in overrides) raw[key] = overrides[key]
  }
  const value = Value.Default(schema, Value.Convert(schema, raw)) as Record<string, unknown>
  const errors = [...check.Errors(value)]
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const name = e.instancePath.replace(/^\//, '') || '(config)'
      return `${name}=${JSON.stringify(value[name])}: ${e.message}`
    })
    throw new ConfigError(`invalid configuration${whose}: ${[...new Set(lines)].join('; ')}`)
  }
  return value
}

/**
 * A job type's own settings (its definition's `settings` schema), read from the environment
 * like the core's; `overrides` (startFaena's `settings`) win. Unknown keys are ignored.
 */
export function loadSettings(
  schema: TObject,
  jobType: string,
  env: NodeJS.ProcessEnv = process.env,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return readVariables(schema, Compile(schema), env, overrides, ` of job type ${jobType}`)
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const config = readVariables(ConfigSchema, check, env, overrides, '') as Config
  if (config.STORAGE === 's3' && !config.S3_BUCKET) {
    throw new ConfigError('invalid configuration: S3_BUCKET is required when STORAGE=s3')
  }
  if (config.DATABASE_DIRECT_URL && !config.DATABASE_URL) {
    throw new ConfigError(
      'invalid configuration: DATABASE_DIRECT_URL is the session connection beside a pooled DATABASE_URL: set DATABASE_URL too',
    )
  }
  if (config.ROLE !== 'all' && !config.DATABASE_URL) {
    throw new ConfigError(
      `invalid configuration: ROLE=${config.ROLE} is one node of several sharing one database: set DATABASE_URL (the embedded PostgreSQL is for ROLE=all)`,
    )
  }
  if (config.ROLE === 'worker' && config.WORKER_CONCURRENCY === 0) {
    throw new ConfigError('invalid configuration: ROLE=worker runs jobs: WORKER_CONCURRENCY must be at least 1')
  }
  if (config.NODE_ENV === 'production') {
    const missing = (['JWT_SECRET', 'DATABASE_URL'] as const).filter((k) => !config[k])
    if (missing.length > 0) {
      throw new ConfigError(
        `invalid configuration: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required when NODE_ENV=production` +
          ' (the generated secret and the embedded PostgreSQL are for development)',
      )
    }
  }
  return config
}
