// Operators' actions on many jobs at once (POST /jobs/actions): cancel, retry or delete every
// job a filter matches. Each job goes through the same rules as its single-job route (the job
// service's cancel and rerun; delete: finished jobs only, their stored files first, as
// retention does), so a job the action does not apply to is counted as matched, not affected.
// The matches are walked in batches by id; every job is its own short statement, so no lock is
// held for long and jobs that change meanwhile are judged as they are then. The answer comes
// when all are done.
import type { Logger } from 'pino'
import { FaenaError } from '../errors.js'
import type { Caller } from '../jobs/caller.js'
import type { JobService } from '../jobs/job-service.js'
import { filesOfJobs } from '../queue/job-files.js'
import { countSelected, finishedAmong, type JobSelection, selectedIds } from '../queue/job-selection.js'
import { deleteJobs } from '../queue/sweep-finished.js'
import type { Queryable } from '../queue/types.js'
import type { Storage } from '../storage/storage.js'

export type BulkAction = 'cancel' | 'retry' | 'delete'

export interface BulkOutcome {
  /** Jobs the filter matched. */
  matched: number
  /** Jobs the action changed (for cancel: cancelled, or cancel requested while running). */
  affected: number
}

const BATCH = 500
/** Jobs acted on at once within a batch. */
const AT_ONCE = 8

export type BulkActions = ReturnType<typeof createBulkActions>

export function createBulkActions(o: { db: Queryable; jobs: JobService; storage: Storage; logger: Logger }) {
  /** True when the job was changed; a refusal of the single-job rules (4xx) is false. */
  async function applies(fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn()
      return true
    } catch (err) {
      if (err instanceof FaenaError && err.statusCode < 500) return false
      throw err
    }
  }

  /** Finished jobs of the batch, their files removed first; a job whose files could not all go stays. */
  async function deleteFinished(selected: string[]): Promise<number> {
    const ids = await finishedAmong(o.db, selected)
    const files = await filesOfJobs(o.db, ids)
    const removable: string[] = []
    await Promise.all(
      ids.map(async (id) => {
        const gone = await Promise.allSettled((files.get(id) ?? []).map((key) => o.storage.delete(key)))
        if (gone.every((r) => r.status === 'fulfilled')) removable.push(id)
      }),
    )
    return removable.length > 0 ? deleteJobs(o.db, removable) : 0
  }

  async function apply(caller: Caller, action: BulkAction, ids: string[]): Promise<number> {
    if (action === 'delete') return deleteFinished(ids)
    let affected = 0
    for (let i = 0; i < ids.length; i += AT_ONCE) {
      const done = await Promise.all(
        ids
          .slice(i, i + AT_ONCE)
          .map((id) => applies(() => (action === 'cancel' ? o.jobs.cancel(caller, id) : o.jobs.rerun(caller, id)))),
      )
      affected += done.filter(Boolean).length
    }
    return affected
  }

  return {
    /** `dryRun`: only counts. */
    async run(caller: Caller, action: BulkAction, filter: JobSelection, dryRun: boolean): Promise<BulkOutcome> {
      if (dryRun) return { matched: await countSelected(o.db, filter), affected: 0 }
      let matched = 0
      let affected = 0
      let after: string | null = null
      for (;;) {
        const ids = await selectedIds(o.db, filter, after, BATCH)
        if (ids.length === 0) break
        matched += ids.length
        affected += await apply(caller, action, ids)
        after = ids.at(-1)!
        if (ids.length < BATCH) break
      }
      o.logger.info(
        { event: 'jobs.bulk', action, filter, matched, affected, by: caller.userId },
        `bulk ${action}: ${affected} of ${matched} jobs`,
      )
      return { matched, affected }
    },
  }
}
