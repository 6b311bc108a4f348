// Job types that exist only in tests.
import type { JobTypeDefinition } from '../../src/jobs/registry.js'
import { resultFile } from '../job-types/result-file/index.js'
import * as flaky from './flaky.js'
import * as gate from './gate.js'
import * as hog from './hog.js'
import * as tally from './tally.js'
import * as youngGeneration from './young-generation.js'

export const testJobTypes: JobTypeDefinition[] = [
  {
    name: 'gate',
    parameters: gate.parameters,
    processor: new URL('./gate.js', import.meta.url),
  },
  {
    name: 'flaky',
    parameters: flaky.parameters,
    processor: new URL('./flaky.js', import.meta.url),
    defaults: { maxAttempts: 3 },
  },
  {
    name: 'hog',
    parameters: hog.parameters,
    processor: new URL('./hog.js', import.meta.url),
  },
  {
    name: 'tally',
    parameters: tally.parameters,
    processor: new URL('./tally.js', import.meta.url),
  },
  {
    name: 'young-generation',
    parameters: youngGeneration.parameters,
    processor: new URL('./young-generation.js', import.meta.url),
  },
  resultFile,
  {
    // A gate whose key makes it unique while active (the generic unique-jobs mechanism).
    name: 'unique-gate',
    parameters: gate.parameters,
    processor: new URL('./gate.js', import.meta.url),
    uniqueKey: ({ parameters }) => (parameters as { key: string }).key,
  },
  {
    name: 'young-generation-96',
    parameters: youngGeneration.parameters,
    processor: new URL('./young-generation.js', import.meta.url),
    youngGenerationMb: 96,
  },
]
