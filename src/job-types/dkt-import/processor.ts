// Imports an uploaded DKT file (already in storage) into a new lote. Submitted through
// POST /jobs/dkt-import, which streams the upload to storage first.
import { randomUUID } from 'node:crypto'
import type { JsonValue, Processor } from '../../jobs/processor.js'
import { type DktImportResult, importDktFile } from './import-file.js'
import type { DktImportParameters } from './parameters.js'

const dktImport: Processor<DktImportParameters, DktImportResult & JsonValue> = async (p, ctx) => {
  const result = await importDktFile(
    { ...p, jobId: ctx.jobId, attempt: ctx.attempt, userId: ctx.userId, loteId: randomUUID() },
    {
      pool: ctx.resources.db(),
      storage: await ctx.resources.storage(),
      signal: ctx.signal,
      progress: ctx.progress,
      trace: ctx.trace,
    },
  )
  return result as DktImportResult & JsonValue
}

export default dktImport
