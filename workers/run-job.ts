// Piscina task file: runs one job's processor inside a worker thread.
//
// Piscina's own abort terminates the thread without the task noticing, so cancellation is
// cooperative first: the main thread posts {type:'abort', run} on the pool's control channel,
// which aborts that run's AbortSignal here and lets its cleanup run; the hard kill stays the
// main thread's last resort. Progress goes up on the thread's parentPort. The outcome is
// returned as data ({ok, error:{code,message}}) because thrown errors lose their class crossing
// the thread boundary.
import { parentPort, workerData } from 'node:worker_threads'
import { FaenaError, type SerializedError } from '../src/errors.js'
import type {
  LastProgress,
  RunJobOutcome,
  ThreadBatch,
  ThreadData,
  ThreadTask,
  ToMain,
  ToThread,
} from '../src/execution/thread-protocol.js'
import type { JsonValue, Processor, ProcessorContext } from '../src/jobs/processor.js'
import { NO_TRACING, openThreadTracing, type ThreadTracing, type Tracing } from '../src/telemetry/tracing.js'
import { createThreadResources } from './resources.js'

const processors = new Map<string, Promise<Processor>>()
const data = workerData as ThreadData
const resources = createThreadResources(data.settings)

/** The run this thread is on (one at a time), and how to abort it. */
let current: { run: number; abort: (reason: ToThread['reason']) => void } | null = null
/**
 * Aborts for runs this thread has not started: the control channel and Piscina's task port are
 * not ordered, so an abort may come first. Every thread hears every abort; the last few are kept.
 */
const early = new Map<number, ToThread['reason']>()
const control = new BroadcastChannel(data.control)
// The thread must still be able to exit when the pool is closed.
;(control as unknown as { unref(): void }).unref()
control.onmessage = (e: MessageEvent) => {
  const msg = e.data as ToThread
  if (msg.type !== 'abort') return
  if (current?.run === msg.run) return current.abort(msg.reason)
  early.set(msg.run, msg.reason)
  // Bounded: a kept abort that is lost only leaves its job to the grace timer's kill.
  if (early.size > 1024) early.delete(early.keys().next().value!)
}
/** This thread's tracer: the OpenTelemetry SDK is loaded with the first traced job, if one comes. */
let loadedTracing: Promise<ThreadTracing> | undefined
const threadTracing = () => (loadedTracing ??= openThreadTracing())

function load(url: string): Promise<Processor> {
  let p = processors.get(url)
  if (!p) {
    p = import(url).then((m: { default?: unknown }) => {
      if (typeof m.default !== 'function') throw new Error(`${url} has no default export function`)
      return m.default as Processor
    })
    processors.set(url, p)
  }
  return p
}

export default async function runTask(task: ThreadTask | ThreadBatch): Promise<RunJobOutcome | RunJobOutcome[]> {
  if (!('runs' in task)) return runJob(task)
  // Short jobs, one after the other; an abort for one not started yet is kept until it starts.
  const outcomes: RunJobOutcome[] = []
  for (const [i, one] of task.runs.entries()) {
    Atomics.store(task.at, 0, i)
    outcomes.push(await runJob(one))
  }
  return outcomes
}

async function runJob(task: ThreadTask): Promise<RunJobOutcome> {
  if (!task.traceparent) return run(task, NO_TRACING)
  // The spans this job's thread ended go back with the outcome, and the main thread exports
  // them: Piscina pauses an idle thread (Atomics.wait), so spans left to be sent from here
  // would wait for its next job.
  const tracing = await threadTracing()
  const outcome = await run(task, tracing, task.traceparent)
  return { ...outcome, spans: tracing.take() }
}

async function run(task: ThreadTask, tracing: Tracing, traceparent?: string): Promise<RunJobOutcome> {
  const controller = new AbortController()
  let abortedFor: ToThread['reason'] | null = null
  let last: LastProgress | null = null
  const abort = (reason: ToThread['reason']) => {
    if (controller.signal.aborted) return
    abortedFor = reason
    const err = new Error(`job ${reason === 'cancel' ? 'cancelled' : `aborted (${reason})`}`)
    err.name = 'AbortError'
    controller.abort(err)
  }
  current = { run: task.run, abort }
  const before = early.get(task.run)
  if (before) {
    early.delete(task.run)
    abort(before)
  }
  const context: ProcessorContext = {
    jobId: task.jobId,
    userId: task.userId,
    attempt: task.attempt,
    signal: controller.signal,
    resources,
    progress(percent, message, counts) {
      const p = Math.max(0, Math.min(100, Math.floor(Number(percent) || 0)))
      last = {
        percent: p,
        message: message ?? last?.message ?? null,
        processedItems: counts?.processedItems ?? last?.processedItems ?? null,
        totalItems: counts?.totalItems ?? last?.totalItems ?? null,
      }
      const msg: ToMain = {
        type: 'progress',
        jobId: task.jobId,
        percent: p,
        ...(message === undefined ? {} : { message }),
        ...(counts ? { counts } : {}),
      }
      parentPort!.postMessage(msg)
    },
    trace: (name, fn, attributes) => tracing.active(name, { attributes }, fn),
  }
  try {
    const processor = await load(task.processorUrl)
    const process = () => processor(task.parameters, context)
    // The thread's spans nest under this one, the child of the job's run on the main thread.
    const result = await (traceparent
      ? tracing.active(
          `process ${task.jobType}`,
          {
            parent: traceparent,
            attributes: {
              'faena.job.id': task.jobId,
              'faena.job.type': task.jobType,
              'faena.job.attempt': task.attempt,
            },
          },
          process,
        )
      : process())
    return { ok: true, result: (result ?? null) as JsonValue, last }
  } catch (err) {
    return { ok: false, ...describeFailure(err), aborted: abortedFor, last }
  } finally {
    current = null
  }
}

/**
 * What the job records of a failure. A FaenaError (JobError is one) is the processor speaking to
 * the user: its code, message and details are kept, and it is retried only if it says so. Anything
 * else is an internal error (a SQL error, a lost connection, a bug): the job says so without its
 * details, which go to the server log instead, and it is worth another attempt.
 */
function describeFailure(err: unknown): {
  error: SerializedError
  retryable: boolean
  internal?: { name: string; message: string; code?: string; stack?: string }
} {
  if (err instanceof FaenaError) {
    return {
      error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) },
      retryable: err.retryable,
    }
  }
  const e = err instanceof Error ? err : new Error(String(err))
  if (e.name === 'AbortError') return { error: { code: 'ABORTED', message: e.message }, retryable: false }
  const code = (e as { code?: unknown }).code
  return {
    retryable: true,
    error: {
      code: 'PROCESSOR_ERROR',
      message: 'the job failed because of an internal error; the server log has the details',
    },
    internal: {
      name: e.name,
      message: e.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(e.stack ? { stack: e.stack } : {}),
    },
  }
}
