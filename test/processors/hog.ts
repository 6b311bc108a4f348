// Test processor: keeps allocating until its thread runs out of heap.
import Type from 'typebox'
import type { Processor } from '../../src/jobs/processor.js'

export const parameters = Type.Object({})

const hog: Processor<unknown, never> = async () => {
  const kept: number[][] = []
  for (;;) kept.push(Array.from({ length: 100_000 }, (_, i) => i * 1.5))
}

export default hog
