// A job type that exists only in tests and stores a result file: the proof that a type which
// owns files needs its folder and one registry entry, nothing in the core
// (test/jobs/job-type-plugin.test.ts).
import type { JobTypeDefinition } from '../../../src/jobs/registry.js'
import { parameters } from './parameters.js'
import { resultKey } from './result.js'

export const resultFile: JobTypeDefinition = {
  name: 'result-file',
  parameters,
  processor: new URL('./processor.js', import.meta.url),
  description: 'writes a result file (tests only)',
  files: (job) => [
    {
      key: resultKey(job.id),
      kind: 'result-file',
      fileName: 'result.txt',
      bytes: job.status === 'COMPLETED' ? (job.result as { bytes: number }).bytes : null,
      download: true,
    },
  ],
}
