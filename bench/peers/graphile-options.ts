// How bench:queue runs graphile-worker, the same in the bench and in its standalone
// cross-check: its documented throughput settings (a pool of concurrency + 2; batched: a local
// queue of 200 and completions batched at once).
import type { RunnerOptions } from 'graphile-worker'

export type GraphileMode = 'per-job' | 'batched'

export const graphileRunOptions = (connectionString: string, mode: GraphileMode) =>
  ({
    connectionString,
    concurrency: 10,
    maxPoolSize: 12,
    ...(mode === 'batched' ? { preset: { worker: { localQueue: { size: 200 }, completeJobBatchDelay: 0 } } } : {}),
    noHandleSignals: true,
    pollInterval: 2000,
  }) satisfies RunnerOptions
