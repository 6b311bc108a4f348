// Reading a job's state straight from PostgreSQL.
import type { Faena } from '../../src/runtime.js'
import { waitFor } from './wait.js'

export async function jobRow(faena: Faena, id: string) {
  return faena.db.prisma.processingJob.findUniqueOrThrow({ where: { id } })
}

export async function waitForStatus(faena: Faena, id: string, status: string, timeoutMs = 15_000) {
  return waitFor(
    `job ${id} to be ${status}`,
    async () => {
      const row = await jobRow(faena, id)
      if (row.status !== status && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(row.status)) {
        throw new Error(`job ${id} ended ${row.status}, not ${status}: ${JSON.stringify(row.error ?? row.result)}`)
      }
      return row.status === status ? row : null
    },
    timeoutMs,
  )
}

/** Until the job is PROCESSING and has reported progress on some items. */
export async function waitForItems(faena: Faena, id: string) {
  return waitFor(`job ${id} to be working on its items`, async () => {
    const row = await jobRow(faena, id)
    return row.status === 'PROCESSING' && (row.processedItems ?? 0) > 0 ? row : null
  })
}
