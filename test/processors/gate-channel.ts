// A BroadcastChannel shared by tests (main thread) and test processors (worker threads): the
// processor announces what it does, the test tells it when to go on. No timing involved.
export const GATE_CHANNEL = 'faena-test-gates'

export type GateEvent =
  | { key: string; event: 'started'; attempt: number; jobId: string }
  | { key: string; event: 'aborted'; reason: string }
  | { key: string; event: 'cleaned-up' }

export type GateCommand = { key: string; command: 'finish' | 'fail' }
