// Run as `node <SERVER_NODE_FLAGS> young-generation-probe.js` (test/config/start-command.test.ts):
// makes a worker pool as the server does, lets the main thread and worker threads allocate (one
// with the default young generation, one asked for 96 MB as XLSX writers do), and prints the
// size of each one's young generation (V8's new space) in bytes, as JSON.
import { createWorkerPool } from '../../src/execution/worker-pool.js'
import { churn, newSpaceBytes } from '../processors/young-generation.js'

churn(3e6)
const pool = createWorkerPool(1)
const probe = async (youngGenerationMb?: number) => {
  const outcome = await pool.run(
    {
      processorUrl: new URL('../processors/young-generation.js', import.meta.url).href,
      jobId: 'probe',
      jobType: 'probe',
      userId: 'probe',
      attempt: 1,
      parameters: null,
    },
    new AbortController().signal,
    youngGenerationMb,
  )
  if (!outcome.ok) throw new Error(outcome.error.message)
  return outcome.result
}
const worker = await probe()
const writer = await probe(96)
await pool.close()
console.log(JSON.stringify({ main: newSpaceBytes(), worker, writer }))
