// The process's logger. JSON lines (pino) for machines: log collectors, `docker logs`, files.
// In a terminal during development, readable lines instead (pino-pretty, in this thread, with
// no transport worker): when stdout is a TTY and NODE_ENV is not production, unless LOG_FORMAT
// says otherwise. pino-pretty is loaded only then: a server in production never holds it.
import { createRequire } from 'node:module'
import { type Logger, pino } from 'pino'
import type PinoPretty from 'pino-pretty'
import type { Config } from './config/schema.js'

type LoggerConfig = Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT' | 'NODE_ENV'>

/** Whether lines are written for a person: LOG_FORMAT, or, for `auto`, a terminal outside production. */
export function prettyLogs(config: LoggerConfig, out: { isTTY?: boolean }): boolean {
  if (config.LOG_FORMAT !== 'auto') return config.LOG_FORMAT === 'pretty'
  return out.isTTY === true && config.NODE_ENV !== 'production'
}

export function createLogger(
  config: LoggerConfig,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Logger {
  const options = { level: config.LOG_LEVEL, base: { service: 'faena' } }
  if (!prettyLogs(config, out)) return out === process.stdout ? pino(options) : pino(options, out)
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty
  return pino(
    options,
    pretty({
      destination: out,
      sync: true, // the line is out before the process exits (a fatal start-up error)
      colorize: out.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'service',
      singleLine: true,
    }),
  )
}
