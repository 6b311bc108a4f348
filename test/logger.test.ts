// Logs: JSON lines for machines; readable lines for a person at a terminal in development.
import { execFile } from 'node:child_process'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import type { Config } from '../src/config/schema.js'
import { createLogger } from '../src/logger.js'

type LoggerConfig = Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT' | 'NODE_ENV'>

/** What one info line looks like through createLogger, written to a stream that is a TTY or not. */
function oneLine(config: Partial<LoggerConfig>, isTTY: boolean): string {
  const out = Object.assign(new PassThrough(), { isTTY })
  let text = ''
  out.on('data', (b: Buffer) => (text += b.toString('utf8')))
  createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: 'auto', NODE_ENV: 'development', ...config }, out).info(
    { jobId: 'j1' },
    'job started',
  )
  return text.trim()
}

const isJson = (line: string) => {
  try {
    return typeof JSON.parse(line) === 'object'
  } catch {
    return false
  }
}

t.test('a terminal in development gets readable lines; anything else gets JSON', async (t) => {
  const pretty = oneLine({}, true)
  t.notOk(isJson(pretty), 'not JSON at a terminal')
  t.match(pretty, /INFO/)
  t.match(pretty, /job started/)
  t.match(pretty, /"jobId":"j1"/, 'fields are shown, on the same line')
  t.ok(isJson(oneLine({ NODE_ENV: 'production' }, true)), 'JSON at a terminal in production')
  t.ok(isJson(oneLine({}, false)), 'JSON into a pipe or a file')
  t.ok(isJson(oneLine({ LOG_FORMAT: 'json' }, true)), 'LOG_FORMAT=json at a terminal')
  t.notOk(isJson(oneLine({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' }, false)), 'LOG_FORMAT=pretty anywhere')
  t.match(JSON.parse(oneLine({}, false)), { level: 30, service: 'faena', jobId: 'j1', msg: 'job started' })
})

t.test('a real terminal: stdout of a process under a pseudo-terminal (script) is seen as one', async (t) => {
  const logger = fileURLToPath(new URL('../src/logger.js', import.meta.url))
  // No single quote in it: it goes between single quotes on script's shell command line.
  const config = JSON.stringify({ LOG_LEVEL: 'info', LOG_FORMAT: 'auto', NODE_ENV: 'development' })
  const program = `import(${JSON.stringify(logger)}).then((m) => m.createLogger(${config}).info({ jobId: "j2" }, "hello"))`
  const run = (env: NodeJS.ProcessEnv) =>
    promisify(execFile)('script', ['-qec', `${process.execPath} -e '${program}'`, '/dev/null'], {
      env: { ...process.env, ...env },
    })
  const { stdout } = await run({})
  t.notOk(stdout.includes('{"level"'), 'no JSON on the terminal')
  t.match(stdout, /INFO.*hello/)
  const direct = await promisify(execFile)(process.execPath, ['-e', program])
  t.ok(isJson(direct.stdout.trim()), 'JSON when the same program writes to a pipe')
})
