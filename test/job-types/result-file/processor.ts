// Writes `bytes` bytes of a known pattern to storage as the job's result file.
import { Readable } from 'node:stream'
import type { Processor } from '../../../src/jobs/processor.js'
import type { ResultFileParameters } from './parameters.js'
import { resultContent, resultKey } from './result.js'

const resultFile: Processor<ResultFileParameters, { bytes: number }> = async ({ bytes }, ctx) => {
  const storage = await ctx.resources.storage()
  const stored = await storage.put(resultKey(ctx.jobId), Readable.from([resultContent(bytes)]), {
    contentType: 'text/plain',
    signal: ctx.signal,
  })
  return { bytes: stored.size }
}

export default resultFile
