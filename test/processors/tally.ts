// Test processor: announces every run on a BroadcastChannel, so a test can count how many
// times each job ran, across every thread of every faena in the test process.
import Type from 'typebox'
import type { Processor } from '../../src/jobs/processor.js'

export const TALLY_CHANNEL = 'faena-test-tally'
export const parameters = Type.Object({ n: Type.Optional(Type.Integer()) })

const tally: Processor<unknown, { ran: true }> = async (_params, ctx) => {
  const channel = new BroadcastChannel(TALLY_CHANNEL)
  channel.postMessage({ jobId: ctx.jobId })
  channel.close()
  return { ran: true }
}

export default tally
