// The Piscina pools that run processors: one per young-generation size that job types ask for,
// created with its first task. One task per thread at a time, and the dispatcher keeps at most
// `size` tasks running in all, so "idle threads" is exactly what it may claim. Tasks are run from
// the compiled workers/run-job.js. Messages to and from running jobs: thread-protocol.ts.
import { randomUUID } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { Piscina } from 'piscina'
import type {
  RunJobOutcome,
  RunJobTask,
  ThreadBatch,
  ThreadData,
  ThreadTask,
  ToMain,
  ToThread,
  WorkerSettings,
} from './thread-protocol.js'

export interface WorkerPool {
  readonly size: number
  /**
   * Runs a task on a thread whose young generation is `youngGenerationMb` (default
   * WORKER_YOUNG_GENERATION_MB): threads of each size are kept apart, since V8 fixes the size
   * when a thread starts. The caller keeps at most `size` tasks running in all.
   */
  run(task: RunJobTask, signal: AbortSignal, youngGenerationMb?: number): Promise<RunJobOutcome>
  /**
   * Runs short jobs one after the other on one thread, in one task: their outcomes in order, and
   * at() the index of the one running (the last started). `signal` kills the thread, and so every
   * job of the batch: their outcomes come back only all together.
   */
  runBatch(
    tasks: RunJobTask[],
    signal: AbortSignal,
    youngGenerationMb?: number,
  ): { outcomes: Promise<RunJobOutcome[]>; at(): number }
  /** Asks the thread running `jobId` to stop: its processor's signal aborts (cooperative). */
  abort(jobId: string, reason: ToThread['reason']): void
  /** Hears what running jobs say (progress); one listener. */
  onMessage(listener: (m: ToMain) => void): void
  /** Terminates the threads (running tasks are killed); idempotent. */
  close(): Promise<void>
}

const taskFile = new URL('../../workers/run-job.js', import.meta.url).href

/**
 * Each worker thread's young generation by default (V8's default on 64-bit: two semi-spaces of
 * 16 MB and the space they promote through). Parsing a CSV and writing XLSX allocate short-lived
 * strings fast: with 2 MB semi-spaces a million-row CSV import took a quarter longer. A job type
 * may ask for more (youngGenerationMb in job-types.ts).
 */
const WORKER_YOUNG_GENERATION_MB = 48

export function createWorkerPool(
  threads: number,
  settings?: WorkerSettings,
  opts: { maxHeapMb?: number; onThreadError?: (err: Error) => void } = {},
): WorkerPool {
  // The API thread runs with a small young generation (`node --max-semi-space-size=2`, as `npm
  // start` and the Dockerfile start it): it serves small requests, and a young generation grown
  // to V8's default holds 32 MB for nothing. V8 applies that flag to every isolate created after
  // it, overriding resourceLimits, so it is lifted (0: unset) before the threads are made.
  setFlagsFromString('--max-semi-space-size=0')
  const threadData: ThreadData = { settings, control: `faena-control:${randomUUID()}` }
  const control = new BroadcastChannel(threadData.control)
  // Only posted to: it must not keep the process alive.
  ;(control as unknown as { unref(): void }).unref()
  let listener: (m: ToMain) => void = () => {}
  /** The run of each job running here: what an abort names. */
  const runs = new Map<string, number>()
  let lastRun = 0
  /** Each task with its run's number, remembered for aborts until done(). */
  const number = (tasks: RunJobTask[]): ThreadTask[] =>
    tasks.map((task) => {
      const run = ++lastRun
      runs.set(task.jobId, run)
      return { ...task, run }
    })
  const done = (tasks: ThreadTask[]) => {
    for (const t of tasks) if (runs.get(t.jobId) === t.run) runs.delete(t.jobId)
  }
  const piscinas = new Map<number, Piscina>()
  const piscinaFor = (youngGenerationMb: number) => {
    let piscina = piscinas.get(youngGenerationMb)
    if (!piscina) {
      piscina = new Piscina({
        filename: taskFile,
        workerData: threadData,
        // Threads start with the first jobs and leave after a minute idle (about 20 MB each).
        minThreads: 0,
        maxThreads: threads,
        concurrentTasksPerWorker: 1,
        idleTimeout: 60_000,
        // Bounds each thread's heap: the process's memory stays bounded, and a job that would
        // need more (a zip bomb, a giant shared-string table) loses its thread, not the process.
        resourceLimits: {
          maxYoungGenerationSizeMb: youngGenerationMb,
          ...(opts.maxHeapMb ? { maxOldGenerationSizeMb: opts.maxHeapMb } : {}),
        },
      })
      // A thread that dies outside a task (out of memory while starting, say) is replaced by
      // Piscina, which reports it here; unheard, the 'error' event would end the process.
      piscina.on('error', (err: Error) => opts.onThreadError?.(err))
      // What a job's thread posts on its parentPort (run-job.ts).
      piscina.on('message', (m: ToMain) => listener(m))
      piscinas.set(youngGenerationMb, piscina)
    }
    return piscina
  }
  let closing: Promise<void> | undefined
  return {
    size: threads,
    run: (task, signal, youngGenerationMb = WORKER_YOUNG_GENERATION_MB) => {
      const [one] = number([task]) as [ThreadTask]
      return (piscinaFor(youngGenerationMb).run(one, { signal }) as Promise<RunJobOutcome>).finally(() => done([one]))
    },
    runBatch: (tasks, signal, youngGenerationMb = WORKER_YOUNG_GENERATION_MB) => {
      const runs = number(tasks)
      const at = new Int32Array(new SharedArrayBuffer(4))
      const outcomes = (
        piscinaFor(youngGenerationMb).run({ runs, at } satisfies ThreadBatch, { signal }) as Promise<RunJobOutcome[]>
      ).finally(() => done(runs))
      return { outcomes, at: () => Atomics.load(at, 0) }
    },
    abort: (jobId, reason) => {
      const run = runs.get(jobId)
      if (run !== undefined) control.postMessage({ type: 'abort', run, reason } satisfies ToThread)
    },
    onMessage: (l) => {
      listener = l
    },
    close: () => {
      closing ??= Promise.all([...piscinas.values()].map((p) => p.destroy())).then(() => control.close())
      return closing
    },
  }
}
