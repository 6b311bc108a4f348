// Writes completions in batches, the way a database groups commits: the first completion is
// written at once (no added latency when jobs are few); those that arrive while it is being
// written go together in the next statement. Under a stream of short jobs, one statement and
// one commit serve many jobs. Each caller learns whether its job was still ours.
import type { Completion, WorkerQueue } from '../queue/index.js'

interface Waiting {
  jobId: string
  completion: Completion
  done(ours: boolean): void
  failed(err: unknown): void
}

export interface CompletionBatcher {
  complete(jobId: string, completion: Completion): Promise<boolean>
}

export function createCompletionBatcher(queue: Pick<WorkerQueue, 'completeMany'>, maxBatch = 500): CompletionBatcher {
  let waiting: Waiting[] = []
  let writing = false

  async function write(): Promise<void> {
    writing = true
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch)
      waiting = waiting.slice(batch.length)
      try {
        const ours = await queue.completeMany(batch)
        for (const w of batch) w.done(ours.has(w.jobId))
      } catch (err) {
        for (const w of batch) w.failed(err)
      }
    }
    writing = false
  }

  return {
    complete: (jobId, completion) =>
      new Promise<boolean>((done, failed) => {
        waiting.push({ jobId, completion, done, failed })
        if (!writing) void write()
      }),
  }
}
