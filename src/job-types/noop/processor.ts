// Does nothing and says when it ran: a smoke test for a node, and the queue benchmark's job.
import type { Processor } from '../../jobs/processor.js'
import type { NoopParameters } from './parameters.js'

const noop: Processor<NoopParameters, { startedAt: number }> = async () => ({
  startedAt: performance.timeOrigin + performance.now(),
})

export default noop
