// Test processor: announces it started, optionally reports progress, then waits until the test
// says finish or fail, or until it is aborted (then it cleans up and says so).
import Type, { type Static } from 'typebox'
import { JobError, type Processor } from '../../src/jobs/processor.js'
import { GATE_CHANNEL, type GateCommand, type GateEvent } from './gate-channel.js'

export const parameters = Type.Object(
  {
    key: Type.String({ minLength: 1 }),
    progressAt: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    /** Ignore the abort signal (to exercise the hard kill). */
    stubborn: Type.Optional(Type.Boolean()),
    /** End the worker thread abruptly once released (a crashing native module, say). */
    crash: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

const gate: Processor<Static<typeof parameters>, { key: string }> = async (
  { key, progressAt, stubborn, crash },
  ctx,
) => {
  const channel = new BroadcastChannel(GATE_CHANNEL)
  const say = (e: GateEvent) => channel.postMessage(e)
  try {
    const command = new Promise<GateCommand['command']>((resolve, reject) => {
      channel.onmessage = (m: MessageEvent) => {
        const c = m.data as GateCommand
        if (c.key === key) resolve(c.command)
      }
      if (!stubborn) {
        const onAbort = () => {
          say({ key, event: 'aborted', reason: String((ctx.signal.reason as Error)?.message) })
          // Cleanup that matters (an upload to abort, a transaction to roll back) would go here.
          setImmediate(() => {
            say({ key, event: 'cleaned-up' })
            reject(ctx.signal.reason)
          })
        }
        // Aborted before it even started (a short timeout, a slow thread start): stop at once.
        if (ctx.signal.aborted) setImmediate(onAbort)
        else ctx.signal.addEventListener('abort', onAbort)
      }
    })
    if (progressAt !== undefined)
      ctx.progress(progressAt, `at ${progressAt}%`, { processedItems: progressAt, totalItems: 100 })
    say({ key, event: 'started', attempt: ctx.attempt, jobId: ctx.jobId })
    const what = await command
    if (crash) process.exit(3)
    if (what === 'fail') throw new JobError('GATE_FAILED', `gate ${key} failed on request`)
    return { key }
  } finally {
    channel.close()
  }
}

export default gate
