// The job types as operators see them (GET /job-types): each registered type with its
// description, whether it is paused (and by whom, since when), its queue depth and running
// count; pausing and resuming one. A type no longer registered but with jobs queued or running
// is listed too, so that its jobs can be found.
import { NotFoundError } from '../errors.js'
import type { JobRegistry } from '../jobs/registry.js'
import { pausedTypes, pauseType, resumeType } from '../queue/job-type-pauses.js'
import { queueDepth } from '../queue/stats.js'
import type { Queryable } from '../queue/types.js'

export interface JobTypeView {
  type: string
  description: string | null
  /** False for a type this process does not know that still has jobs. */
  registered: boolean
  paused: boolean
  pausedBy: string | null
  pausedAt: string | null
  queued: number
  queuedExact: boolean
  running: number
  oldestQueuedSeconds: number
}

export type JobTypeOperations = ReturnType<typeof createJobTypeOperations>

export function createJobTypeOperations(db: Queryable, registry: Pick<JobRegistry, 'types' | 'has' | 'describe'>) {
  async function list(): Promise<JobTypeView[]> {
    const [depth, paused] = await Promise.all([queueDepth(db), pausedTypes(db)])
    const depthOf = new Map(depth.map((d) => [d.type, d]))
    const types = [...new Set([...registry.types(), ...depthOf.keys(), ...paused.keys()])].sort()
    return types.map((type) => {
      const d = depthOf.get(type)
      const p = paused.get(type)
      return {
        type,
        description: registry.describe(type)?.description ?? null,
        registered: registry.has(type),
        paused: p !== undefined,
        pausedBy: p?.pausedBy ?? null,
        pausedAt: p ? p.pausedAt.toISOString() : null,
        queued: d?.queued ?? 0,
        queuedExact: d?.queuedExact ?? true,
        running: d?.processing ?? 0,
        oldestQueuedSeconds: d?.oldestQueuedSeconds ?? 0,
      }
    })
  }

  async function one(type: string): Promise<JobTypeView> {
    const found = (await list()).find((t) => t.type === type)
    if (!found) throw new NotFoundError('job type', type)
    return found
  }

  return {
    list,
    /** Its queued jobs wait; running ones go on. Idempotent. */
    async pause(type: string, by: string): Promise<JobTypeView> {
      if (!registry.has(type)) throw new NotFoundError('job type', type)
      await pauseType(db, type, by)
      return one(type)
    },
    /** Its queued jobs are claimed again, at once. Idempotent. */
    async resume(type: string): Promise<JobTypeView> {
      await resumeType(db, type)
      return one(type)
    },
  }
}
