// The thread protocol: the task a worker thread is given (workers/run-job.ts), the messages
// between a running job's thread and the main thread, and what the thread answers. Both sides
// import it from here. Progress names its job and goes up through the thread's parentPort
// (Piscina emits it on the pool); aborts name the run (a job may run again on the same node, and
// an abort meant for an earlier run must not stop it) and come down on the pool's control
// channel, a BroadcastChannel every thread of the pool listens to. No channel is made or transferred per
// job: a transferred MessagePort per task cost the main thread a fifth of its time with
// short jobs (bench:queue, docs/benchmarks.md).
import type { SerializedError } from '../errors.js'
import type { JsonValue, ProgressCounts } from '../jobs/processor.js'
import type { StorageSettings } from '../storage/create-storage.js'
import type { ThreadSpans } from '../telemetry/tracing.js'

/** What every worker thread is given (workerData): plain settings to build its resources from. */
export interface WorkerSettings {
  databaseUrl: string
  storage: StorageSettings
}

/** What a pool gives its threads (workerData). */
export interface ThreadData {
  settings?: WorkerSettings | undefined
  /** The name of the pool's control channel (a BroadcastChannel): ToThread messages. */
  control: string
}

export interface RunJobTask {
  /** File URL of the processor module (its default export is the Processor). */
  processorUrl: string
  jobId: string
  jobType: string
  userId: string
  attempt: number
  parameters: unknown
  /** The run's span (main thread), parent of the thread's spans; absent: not traced. */
  traceparent?: string | undefined
}

/** A task as the thread gets it: the pool numbers each run (worker-pool.ts). */
export type ThreadTask = RunJobTask & { run: number }
/** Several short jobs for one thread, run one after the other; the outcomes come back in order. */
export interface ThreadBatch {
  runs: ThreadTask[]
  /** Shared with the main thread: the index of the run started last (who was running if the thread dies). */
  at: Int32Array
}

export type ToMain = { type: 'progress'; jobId: string; percent: number; message?: string; counts?: ProgressCounts }
/** Why a job is aborted: the user cancelled it, the process shuts down, it ran too long, or its lease was lost. */
export type ToThread = { type: 'abort'; run: number; reason: 'cancel' | 'shutdown' | 'timeout' | 'lost' }

export interface LastProgress {
  percent: number
  message: string | null
  processedItems: number | null
  totalItems: number | null
}

export type RunJobOutcome =
  | { ok: true; result: JsonValue; last: LastProgress | null; spans?: ThreadSpans }
  | {
      ok: false
      error: SerializedError
      /** Worth another attempt (see workers/run-job.ts). */
      retryable: boolean
      /** An unexpected error's own details: logged by the main thread, never stored on the job. */
      internal?: { name: string; message: string; code?: string; stack?: string }
      aborted: ToThread['reason'] | null
      last: LastProgress | null
      /** The spans the thread ended (a traced job's): the main thread exports them. */
      spans?: ThreadSpans
    }
