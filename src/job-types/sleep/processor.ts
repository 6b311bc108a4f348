// A demo job: waits `ms` in `steps` steps, reporting progress at each one, and stops at once
// when cancelled. Handy to see progress, ETA and cancellation from a client.
import { setTimeout as delay } from 'node:timers/promises'
import { JobError, type Processor } from '../../jobs/processor.js'
import type { SleepParameters } from './parameters.js'

const sleep: Processor<SleepParameters, { slept: number }> = async ({ ms, steps, failAt }, ctx) => {
  for (let step = 1; step <= steps; step++) {
    await delay(ms / steps, undefined, { signal: ctx.signal })
    if (failAt === step) throw new JobError('DEMO_FAILURE', `failed on purpose at step ${step}`)
    ctx.progress((step / steps) * 100, `step ${step} of ${steps}`, { processedItems: step, totalItems: steps })
  }
  return { slept: ms }
}

export default sleep
