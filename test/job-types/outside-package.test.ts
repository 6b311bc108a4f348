// A job type from outside faena's tree, as another team would ship it: a package in a folder of
// its own (outside this repository), depending on faena by name and on nothing else, named in
// FAENA_JOB_TYPES and resolved from the server's working directory. Nothing in faena names it.
// A module that cannot be used stops the start with a message naming it and why.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { createTokenService } from '../../src/auth/tokens.js'
import { withClient } from '../../src/db/ensure-database.js'
import { jobTypes } from '../../src/job-types/index.js'
import { combineJobTypes, loadJobTypeModules } from '../../src/jobs/load-job-types.js'
import { createTestDatabase } from '../support/database.js'
import { TEST_SECRET } from '../support/faena.js'
import { startServerProcess } from '../support/server-process.js'
import { waitFor } from '../support/wait.js'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

const INDEX = `import { defineJobType, Type } from 'faena'

export default defineJobType({
  name: 'acme-greeting',
  description: 'greets someone: a row of its own and a file',
  parameters: Type.Object({ who: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  processor: new URL('./processor.js', import.meta.url),
  defaults: { maxAttempts: 1 },
  schema: [{ name: 'acme-greeting', migrations: new URL('./migrations/', import.meta.url) }],
  files: (job) => [{
    key: 'acme/' + job.id + '.txt', kind: 'greeting', fileName: 'greeting.txt', download: true,
    bytes: job.status === 'COMPLETED' ? job.result.bytes : null,
  }],
  setup: ({ pool }) => ({
    routes: async (app) => {
      app.get('/acme/greetings', async (request) =>
        (await pool.query('SELECT greeting FROM acme_greeting WHERE user_id = $1 ORDER BY created_at', [request.caller.userId])).rows)
    },
  }),
})
`
const PROCESSOR = `import { Readable } from 'node:stream'
import { JobError } from 'faena/processor'

export default async function greet({ who }, ctx) {
  if (who === 'nobody') throw new JobError('NOBODY_THERE', 'there is no one to greet')
  const greeting = 'hola, ' + who
  await ctx.resources.db().query('INSERT INTO acme_greeting (job_id, user_id, greeting) VALUES ($1, $2, $3)', [ctx.jobId, ctx.userId, greeting])
  const storage = await ctx.resources.storage()
  const file = await storage.put('acme/' + ctx.jobId + '.txt', Readable.from([greeting + '\\n']), { signal: ctx.signal })
  return { greeting, bytes: file.size }
}
`
const MIGRATION = `CREATE TABLE acme_greeting (
  job_id text PRIMARY KEY REFERENCES processing_job (id) ON DELETE CASCADE,
  user_id text NOT NULL,
  greeting text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`

/** An app folder outside the repository: node_modules/faena (a link, as npm makes for a local dependency) and the job-type package. */
function appWithPackage(t: Test, files: Record<string, string>): string {
  const app = mkdtempSync(join(tmpdir(), 'faena-outside-'))
  t.teardown(() => rmSync(app, { recursive: true, force: true }))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'acme-app', private: true, type: 'module' }))
  mkdirSync(join(app, 'node_modules', 'acme-jobs'), { recursive: true })
  symlinkSync(repoRoot, join(app, 'node_modules', 'faena'), 'dir')
  const pkg = {
    name: 'acme-jobs',
    version: '1.0.0',
    type: 'module',
    exports: './index.js',
    dependencies: { faena: '*' },
  }
  writeFileSync(join(app, 'node_modules', 'acme-jobs', 'package.json'), JSON.stringify(pkg))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, 'node_modules', 'acme-jobs', name)), { recursive: true })
    writeFileSync(join(app, 'node_modules', 'acme-jobs', name), text)
  }
  return app
}

t.test('a job type from a package outside the tree: its table, route, rows, file and retention', async (t) => {
  const app = appWithPackage(t, {
    'index.js': INDEX,
    'processor.js': PROCESSOR,
    'migrations/0001_greeting.sql': MIGRATION,
  })
  const env = {
    DATABASE_URL: await createTestDatabase(t),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'faena-outside-data-')),
    FAENA_JOB_TYPES: 'acme-jobs',
    WORKER_CONCURRENCY: '1',
    RETENTION_DAYS: '1',
    RETENTION_SWEEP_MS: '1000',
  }
  t.teardown(() => rmSync(env.DATA_DIR, { recursive: true, force: true }))
  // Two nodes start at once on one database: its migration is applied by exactly one of them.
  const nodes = await Promise.all([startServerProcess(t, env, { cwd: app }), startServerProcess(t, env, { cwd: app })])
  const applying = nodes.filter((n) => n.lines.some((l) => l.includes('acme-greeting/0001_greeting.sql')))
  t.equal(applying.length, 1, 'one node applied the migration')
  const server = nodes[0]!
  const tokens = createTokenService(TEST_SECRET)
  const call = async (method: string, path: string, body?: unknown, token = tokens.sign('alice')) => {
    const res = await fetch(`${server.base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return { status: res.status, body: (await res.json()) as Record<string, any> }
  }
  const types = await call('GET', '/job-types', undefined, tokens.sign('root', { admin: true }))
  t.equal(types.status, 200)
  t.ok(JSON.stringify(types.body).includes('greets someone: a row of its own and a file'), 'listed in GET /job-types')

  const bad = await call('POST', '/jobs', { type: 'acme-greeting', parameters: { who: '' } })
  t.equal(bad.status, 400)
  t.match(bad.body.message, /^parameters\.who: /, 'its parameter schema is checked, naming the field')

  const run = async (who: string, status: string) => {
    const created = await call('POST', '/jobs', { type: 'acme-greeting', parameters: { who } })
    t.equal(created.status, 202)
    return waitFor(`the ${who} job to be ${status}`, async () => {
      const job = await call('GET', `/jobs/${created.body.jobId}`)
      return job.body.status === status && job.body
    })
  }
  const done = await run('Ana', 'COMPLETED')
  t.same(done.result, { greeting: 'hola, Ana', bytes: 10 }, 'its processor ran in a thread')
  t.match((await run('nobody', 'FAILED')).error, { code: 'NOBODY_THERE', message: 'there is no one to greet' })

  t.same((await call('GET', '/acme/greetings')).body, [{ greeting: 'hola, Ana' }], 'its own route reads its own rows')
  const link = await call('GET', `/jobs/${done.id}/download`)
  t.equal(link.status, 200)
  // A signed local link: PUBLIC_URL is unset, and this node listens on a port of its own.
  const signed = new URL(link.body.url)
  const file = `${server.base}${signed.pathname}${signed.search}`
  t.equal(await (await fetch(file)).text(), 'hola, Ana\n', 'its file downloads')

  // Retention: the finished job goes with its rows (foreign key) and its file.
  await withClient(env.DATABASE_URL, (c) =>
    c.query(
      `UPDATE processing_job SET created_at = now() - interval '2 days 1 minute', completed_at = now() - interval '2 days' WHERE id = $1`,
      [done.id],
    ),
  )
  await waitFor(
    'retention to remove the job',
    async () => (await call('GET', `/jobs/${done.id}`)).status === 404,
    15_000,
  )
  t.same((await call('GET', '/acme/greetings')).body, [], 'its rows went with the job')
  t.equal((await fetch(file)).status, 404, 'its file went with the job')
})

t.test('a module that cannot be used stops the start, naming it and why', async (t) => {
  const app = appWithPackage(t, {
    'index.js': INDEX,
    'processor.js': PROCESSOR,
    'broken.js': `import 'no-such-package'\n`,
    'unnamed.js': `export default [{ name: 'Not A Name', parameters: {}, processor: new URL('file:///x.js') }]\n`,
    'clash.js': `import { Type } from 'faena'\nexport default { name: 'noop', parameters: Type.Object({}), processor: new URL('./processor.js', import.meta.url) }\n`,
    'nothing.js': 'export const x = 1\n',
  })
  const load = (specifier: string) => loadJobTypeModules([specifier], join(app, 'node_modules', 'acme-jobs'))
  await t.rejects(loadJobTypeModules(['acme-missing'], app), {
    code: 'CONFIG_INVALID',
    message: /^FAENA_JOB_TYPES: the module "acme-missing" cannot be found from /,
  })
  await t.rejects(load('./broken.js'), { message: /^FAENA_JOB_TYPES: the module "\.\/broken\.js" failed to load: / })
  await t.rejects(load('./nothing.js'), { message: /"\.\/nothing\.js" has no default export/ })
  await t.rejects(load('./unnamed.js'), {
    message: /"\.\/unnamed\.js" exports a bad definition at \[0\]: name "Not A Name" is not lower-case/,
  })
  const clash = await load('./clash.js')
  t.throws(() => combineJobTypes([...jobTypes.map((definition) => ({ module: 'faena', definition })), ...clash]), {
    message: 'FAENA_JOB_TYPES: the job type "noop" is defined by "faena" and by "./clash.js"',
  })
  t.same(
    (await loadJobTypeModules(['acme-jobs'], app)).map((l) => [l.module, l.definition.name]),
    [['acme-jobs', 'acme-greeting']],
    'a package name resolves from the working directory, through its exports',
  )
})
