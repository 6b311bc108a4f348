// POST /jobs/kpi-export: starting a KPI export. Its file is served by GET /jobs/:id/download.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { clientIp } from '../../http/client-ip.js'
import { idempotencyOf, sendCreated } from '../../http/job-created.js'
import { errorResponses } from '../../http/schemas/error.js'
import { IdempotencyHeaders } from '../../http/schemas/job.js'
import { CreatedExport, KpiExportBody } from './schemas.js'
import type { KpiExportService } from './service.js'

export interface KpiExportRouteOptions {
  exports: KpiExportService
}

const reportRoutes: FastifyPluginAsyncTypebox<KpiExportRouteOptions> = async (app, { exports }) => {
  app.post(
    '/jobs/kpi-export',
    {
      bodyLimit: 64 * 1024, // filters and column names: small
      config: { createsJob: true },
      schema: {
        tags: ['reports'],
        summary: 'Export daily KPI snapshots to an XLSX or CSV file',
        description:
          '202 at once; the job streams the rows into storage. Its result carries a download link (also GET /jobs/:id/download).',
        headers: IdempotencyHeaders,
        body: KpiExportBody,
        response: { 200: CreatedExport, 202: CreatedExport, ...errorResponses(400, 401, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const idempotency = idempotencyOf(request, request.body)
      const { job, idExport, replayed } = await exports.submit(
        request.caller,
        request.body,
        clientIp(request.ip),
        idempotency,
      )
      return sendCreated(reply, job, { replayed, extra: { idExport } })
    },
  )
}

export default reportRoutes
