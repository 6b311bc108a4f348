// A demo job: waits `ms` in `steps` steps, reporting progress at each one, and stops at once
// when cancelled. Handy to see progress, ETA and cancellation from a client.
import { setTimeout as delay } from 'node:timers/promises'
import Type, { type Static } from 'typebox'
import { JobError, type Processor } from '../processor.js'

export const parameters = Type.Object(
  {
    ms: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 5000, description: 'total duration' }),
    steps: Type.Integer({ minimum: 1, maximum: 10_000, default: 10 }),
    failAt: Type.Optional(Type.Integer({ minimum: 1, description: 'fail with code DEMO_FAILURE at this step' })),
  },
  { additionalProperties: false },
)

const sleep: Processor<Static<typeof parameters>, { slept: number }> = async ({ ms, steps, failAt }, ctx) => {
  for (let step = 1; step <= steps; step++) {
    await delay(ms / steps, undefined, { signal: ctx.signal })
    if (failAt === step) throw new JobError('DEMO_FAILURE', `failed on purpose at step ${step}`)
    ctx.progress((step / steps) * 100, `step ${step} of ${steps}`, { processedItems: step, totalItems: steps })
  }
  return { slept: ms }
}

export default sleep
