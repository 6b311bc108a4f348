// Does nothing and says when it ran: a smoke test for a node, and the queue benchmark's job.
import Type, { type Static } from 'typebox'
import type { Processor } from '../processor.js'

export const parameters = Type.Object({}, { additionalProperties: true })

const noop: Processor<Static<typeof parameters>, { startedAt: number }> = async () => ({
  startedAt: performance.timeOrigin + performance.now(),
})

export default noop
