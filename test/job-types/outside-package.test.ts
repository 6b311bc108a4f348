// A job type from outside faena's tree, as another team would ship it: a package in a folder of
// its own (outside this repository), depending on faena by name and on nothing else, named in
// FAENA_JOB_TYPES and resolved from the server's working directory. Nothing in faena names it.
// A module that cannot be used stops the start with a message naming it and why.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { createTokenService } from '../../src/auth/tokens.js'
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
  description: 'greets someone, through the database',
  parameters: Type.Object({ who: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  processor: new URL('./processor.js', import.meta.url),
  defaults: { maxAttempts: 1 },
})
`
const PROCESSOR = `import { JobError } from 'faena/processor'

export default async function greet({ who }, ctx) {
  if (who === 'nobody') throw new JobError('NOBODY_THERE', 'there is no one to greet')
  ctx.progress(50, 'asking the database')
  const { rows } = await ctx.resources.db().query('SELECT $1::text AS greeting', ['hola, ' + who])
  return { greeting: rows[0].greeting, attempt: ctx.attempt }
}
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
  for (const [name, text] of Object.entries(files)) writeFileSync(join(app, 'node_modules', 'acme-jobs', name), text)
  return app
}

t.test('a job type from a package outside the tree runs through POST /jobs on npm start', async (t) => {
  const app = appWithPackage(t, { 'index.js': INDEX, 'processor.js': PROCESSOR })
  const server = await startServerProcess(
    t,
    { DATABASE_URL: await createTestDatabase(t), FAENA_JOB_TYPES: 'acme-jobs', WORKER_CONCURRENCY: '1' },
    { cwd: app },
  )
  const tokens = createTokenService(TEST_SECRET)
  const call = async (method: string, path: string, body?: unknown, token = tokens.sign('alice')) => {
    const res = await fetch(`${server.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return { status: res.status, body: (await res.json()) as Record<string, any> }
  }
  const types = await call('GET', '/job-types', undefined, tokens.sign('root', { admin: true }))
  t.equal(types.status, 200)
  t.ok(
    JSON.stringify(types.body).includes('greets someone, through the database'),
    'GET /job-types lists it with its description',
  )

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
  t.same((await run('Ana', 'COMPLETED')).result, { greeting: 'hola, Ana', attempt: 1 }, 'its processor ran in a thread')
  t.match((await run('nobody', 'FAILED')).error, { code: 'NOBODY_THERE', message: 'there is no one to greet' })
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
