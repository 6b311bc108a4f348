// faena's public surface as a TypeScript team meets it: a job type written in strict TypeScript
// against the built declarations of `faena` and `faena/processor`, type-checked by tsc as that
// team's build would. What a job type needs compiles (its route creating a job with its own row
// in one transaction, request.caller, idempotency, a typed processor); what is internal does
// not (the service's objects, a deep import past `exports`).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

const INDEX = `import { defineJobType, idempotencyOf, sendCreated, type Static, Type } from 'faena'

const parameters = Type.Object({ who: Type.String({ minLength: 1 }) }, { additionalProperties: false })
export type GreetingParameters = Static<typeof parameters>

export default defineJobType({
  name: 'acme-greeting',
  parameters,
  processor: new URL('./processor.js', import.meta.url),
  submittedThrough: 'POST /acme/greetings',
  schema: [{ name: 'acme-greeting', migrations: new URL('./migrations/', import.meta.url) }],
  settings: Type.Object({ GREETING_WORD: Type.String({ default: 'hola' }) }),
  setup: ({ pool, transaction, jobs, settings, logger }) => ({
    routes: async (app) => {
      app.post<{ Body: GreetingParameters }>('/acme/greetings', { config: { createsJob: true } }, async (request, reply) => {
        const idempotency = idempotencyOf(request, request.body)
        const replayed = await jobs.replay(request.caller, idempotency)
        if (replayed) return sendCreated(reply, replayed, { replayed: true })
        const job = await transaction(async (tx) => {
          const created = await jobs.create(
            request.caller,
            { type: 'acme-greeting', parameters: request.body, priority: 'HIGH' },
            { tx, viaRoute: true, idempotency },
          )
          await tx.query('INSERT INTO acme_request (job_id, word) VALUES ($1, $2)', [created.id, settings.GREETING_WORD])
          return created
        })
        logger.info({ jobId: job.id, status: job.status satisfies 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' }, 'greeting queued')
        return sendCreated(reply, job)
      })
      app.get('/acme/count', async (request) => {
        const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM acme_request WHERE user_id = $1', [request.caller.userId])
        return { n: rows[0]?.n ?? 0, admin: request.caller.admin }
      })
    },
  }),
})
`

const PROCESSOR = `import { JobError, type Processor } from 'faena/processor'
import type { GreetingParameters } from './index.js'

const greet: Processor<GreetingParameters, { greeting: string }> = async ({ who }, ctx) => {
  if (who === 'nobody') throw new JobError('NOBODY_THERE', 'there is no one to greet')
  await ctx.resources.db().query('UPDATE acme_request SET done = true WHERE job_id = $1', [ctx.jobId])
  return { greeting: 'hola, ' + who }
}
export default greet
`

/** Each must not compile: the service's own objects are not in a job type's context, and nothing past `exports` resolves. */
const INTERNAL = `import { defineJobType, Type } from 'faena'
import { createJobService } from 'faena/dist/src/jobs/job-service.js'

export default defineJobType({
  name: 'acme-internal',
  parameters: Type.Object({}),
  processor: new URL('./processor.js', import.meta.url),
  setup: ({ db, jobs }) => {
    void jobs.cancel
    return {}
  },
})
void createJobService
// Types that resolve (not any): each of these assignments is refused.
export const userId: number = ({} as import('faena').Caller).userId
export const pool: string = ({} as import('faena').JobTypeContext).pool
`

function typeCheck(t: Test, files: Record<string, string>): { status: number | null; output: string } {
  const app = mkdtempSync(join(tmpdir(), 'faena-typed-'))
  t.teardown(() => rmSync(app, { recursive: true, force: true }))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'acme-app', private: true, type: 'module' }))
  mkdirSync(join(app, 'node_modules'))
  symlinkSync(repoRoot, join(app, 'node_modules', 'faena'), 'dir')
  const tsconfig = {
    compilerOptions: {
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2023',
      noEmit: true,
      skipLibCheck: true,
      typeRoots: [join(repoRoot, 'node_modules', '@types')],
      types: ['node'],
    },
    files: Object.keys(files),
  }
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(app, name), text)
  const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], {
    encoding: 'utf8',
  })
  return { status: tsc.status, output: `${tsc.stdout}${tsc.stderr}` }
}

t.test('a job type in strict TypeScript compiles against the public declarations alone', async (t) => {
  const { status, output } = typeCheck(t, { 'index.ts': INDEX, 'processor.ts': PROCESSOR })
  t.equal(output, '', 'no diagnostics')
  t.equal(status, 0)
})

t.test('what is internal does not compile in a job type', async (t) => {
  const { status, output } = typeCheck(t, { 'internal.ts': INTERNAL, 'processor.ts': PROCESSOR, 'index.ts': INDEX })
  t.not(status, 0)
  t.match(output, /internal\.ts.*Cannot find module 'faena\/dist\/src\/jobs\/job-service\.js'/)
  t.match(output, /internal\.ts.*Property 'db' does not exist on type 'JobTypeContext'/)
  t.match(output, /internal\.ts.*Property 'cancel' does not exist on type 'Jobs'/)
  t.match(output, /internal\.ts.*Type 'string' is not assignable to type 'number'/)
  t.match(output, /internal\.ts.*Type 'Pool' is not assignable to type 'string'/)
  t.notMatch(output, /(index|processor)\.ts/, 'the well-behaved files still compile')
})
