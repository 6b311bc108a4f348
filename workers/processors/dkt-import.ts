// Imports an uploaded DKT file (already in storage) into a new lote. Submitted through
// POST /jobs/dkt-import, which streams the upload to storage first.
import { randomUUID } from 'node:crypto'
import Type, { type Static } from 'typebox'
import { importDktFile, type DktImportResult } from '../../src/dkt/import-file.js'
import type { JsonValue, Processor } from '../processor.js'

export const parameters = Type.Object(
  {
    fileKey: Type.String({ minLength: 1 }),
    fileName: Type.String({ minLength: 1, maxLength: 255 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Type.Integer({ minimum: 0 }),
    kind: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
    onError: Type.Union([Type.Literal('reject'), Type.Literal('skip')], { default: 'reject' }),
    /** Imported even if the user already has a lote of it, or an import of it running. */
    force: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
)

const dktImport: Processor<Static<typeof parameters>, DktImportResult & JsonValue> = async (p, ctx) => {
  const result = await importDktFile(
    { ...p, jobId: ctx.jobId, attempt: ctx.attempt, userId: ctx.userId, loteId: randomUUID() },
    { pool: ctx.resources.db(), storage: await ctx.resources.storage(), signal: ctx.signal, progress: ctx.progress },
  )
  return result as DktImportResult & JsonValue
}

export default dktImport
