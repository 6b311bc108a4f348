// Every function and trigger of the queue, in the order they are applied at start (after the
// migrations, src/db/migrate.ts). Each one's text lives in the file of the verb that uses it.
import type { SqlObject } from '../db/sql-objects.js'
import { activeCountTrigger, lockActiveJobsFunction } from './active-counts.js'
import { claimJobsFunction } from './claim-jobs.js'
import { addJobFunction } from './enqueue-job.js'
import { queueFrontFunction, turnFlushFunction, turnTrigger, turnWrittenTrigger } from './fair-turns.js'
import { queuedNotifyTrigger } from './notifications.js'
import { webhookEventTrigger } from './webhook-deliveries.js'

export const queueSqlObjects: SqlObject[] = [
  queueFrontFunction,
  turnFlushFunction,
  turnTrigger,
  turnWrittenTrigger,
  queuedNotifyTrigger,
  webhookEventTrigger,
  activeCountTrigger,
  lockActiveJobsFunction,
  claimJobsFunction,
  addJobFunction,
]
