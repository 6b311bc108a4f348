// Test processor: fails its first attempts (retryably, or not), then succeeds.
import Type, { type Static } from 'typebox'
import { JobError, type Processor } from '../../src/jobs/processor.js'

export const parameters = Type.Object({
  /** The attempt that succeeds. */
  succeedOn: Type.Integer({ minimum: 1 }),
  retryable: Type.Boolean({ default: true }),
  /** Throw a plain Error (an unexpected failure) instead of a JobError. */
  unexpected: Type.Optional(Type.Boolean()),
})

const flaky: Processor<Static<typeof parameters>, { attempt: number }> = async (
  { succeedOn, retryable, unexpected },
  ctx,
) => {
  if (ctx.attempt >= succeedOn) return { attempt: ctx.attempt }
  if (unexpected) throw new Error(`connection reset on attempt ${ctx.attempt}`)
  throw new JobError('FLAKY', `attempt ${ctx.attempt} failed`, { attempt: ctx.attempt }, { retryable })
}

export default flaky
