// sleep: waits, reporting progress (a demo of progress, ETA and cancel).
import type { JobTypeDefinition } from '../../jobs/registry.js'
import { parameters } from './parameters.js'

export const sleep: JobTypeDefinition = {
  name: 'sleep',
  parameters,
  processor: new URL('./processor.js', import.meta.url),
  description: 'waits, reporting progress (demo)',
}
