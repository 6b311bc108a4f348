// dkt-import: an uploaded DKT file (CSV or XLSX) into a new lote. Submitted through its own
// route, which streams the upload to storage first; its lotes have routes of their own.
import Type from 'typebox'
import type { OwnedFile } from '../../jobs/job-facts.js'
import type { JobTypeDefinition } from '../../jobs/registry.js'
import { type DktImportParameters, parameters } from './parameters.js'
import { problemsFileOf } from './problem-log.js'
import dktRoutes from './routes.js'
import { createDktService } from './service.js'

export const dktImport: JobTypeDefinition = {
  name: 'dkt-import',
  parameters,
  processor: new URL('./processor.js', import.meta.url),
  description: 'imports an uploaded DKT file into a lote',
  submittedThrough: 'POST /jobs/dkt-import',
  // All or nothing, and at most one lote per job: safe to run again after a crash.
  defaults: { maxAttempts: 3, timeoutMs: 2 * 3_600_000 },
  // One active import per user and file, unless forced: a second one is refused (409), on any node.
  uniqueKey: ({ userId, parameters }) => {
    const p = parameters as DktImportParameters
    return p.force ? null : `${userId}:${p.sha256}`
  },
  // Its tables: lote and resumen_tarjeta.
  schema: [{ name: 'dkt-import', migrations: new URL('./migrations/', import.meta.url) }],
  files: (job) => {
    const p = job.parameters as DktImportParameters
    const problems = problemsFileOf(job)
    const files: OwnedFile[] = [{ key: p.fileKey, kind: 'upload', fileName: p.fileName, bytes: p.size }]
    if (problems)
      files.push({ key: problems.key, kind: 'problems', fileName: `problemas-${job.id}.csv`, bytes: problems.bytes })
    return files
  },
  setup: (context) => {
    const { storage, config } = context
    const dkt = createDktService(context)
    return {
      tags: [{ name: 'dkt', description: 'Card-statement (DKT) imports and their lotes' }],
      routes: async (app) => app.register(dktRoutes, { dkt, storage, maxUploadBytes: config.MAX_UPLOAD_BYTES }),
      view: {
        properties: { loteDeleted: Type.Boolean({ description: 'dkt-import: the lote this job created was deleted' }) },
        add: (views) => dkt.loteStates(views),
      },
    }
  },
}
