// Test processor: allocates short-lived objects, then answers the size of its thread's young
// generation (V8's new space) in bytes.
import { getHeapSpaceStatistics } from 'node:v8'
import type { Processor } from '../../workers/processor.js'

const youngGeneration: Processor<unknown, number> = async () => {
  let junk: { i: number }[] = []
  for (let i = 0; i < 5e6; i++) {
    junk.push({ i })
    if (junk.length > 100_000) junk = []
  }
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size
}

export default youngGeneration
