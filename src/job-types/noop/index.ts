// noop: does nothing and says when it ran (a smoke test for a node, the queue benchmark's job).
import type { JobTypeDefinition } from '../../jobs/registry.js'
import { parameters } from './parameters.js'

export const noop: JobTypeDefinition = {
  name: 'noop',
  parameters,
  processor: new URL('./processor.js', import.meta.url),
  description: 'does nothing (smoke test, benchmarks)',
}
