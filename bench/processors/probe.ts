// Benchmark processor: announces the moment it starts on a BroadcastChannel (the benchmark
// measures enqueue-to-start latency with it), then returns.
import Type from 'typebox'
import type { Processor } from '../../src/jobs/processor.js'

export const PROBE_CHANNEL = 'faena-bench-probe'
export const parameters = Type.Object({ seq: Type.Integer() })

const channel = new BroadcastChannel(PROBE_CHANNEL)
// The thread must still be able to exit when the pool is closed.
;(channel as unknown as { unref(): void }).unref()

const probe: Processor<{ seq: number }, null> = async ({ seq }) => {
  channel.postMessage({ seq, at: performance.timeOrigin + performance.now() })
  return null
}

export default probe
