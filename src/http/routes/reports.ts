// Reports: starting a KPI export, and downloading any finished job's file.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ReportService } from '../../reports/report-service.js'
import { clientIp } from '../client-ip.js'
import { idempotencyOf, sendCreated } from '../job-created.js'
import { sendSignedLink, signedLinkResponses } from '../signed-link.js'
import { errorResponses } from '../schemas/error.js'
import { IdempotencyHeaders, JobParams } from '../schemas/job.js'
import { CreatedExport, KpiExportBody } from '../schemas/report.js'

export interface ReportRouteOptions {
  reports: ReportService
}

const reportRoutes: FastifyPluginAsyncTypebox<ReportRouteOptions> = async (app, { reports }) => {
  app.post(
    '/jobs/kpi-export',
    {
      bodyLimit: 64 * 1024, // filters and column names: small
      schema: {
        tags: ['reports'],
        summary: 'Export daily KPI snapshots to an XLSX or CSV file',
        description: '202 at once; the job streams the rows into storage. Its result carries a download link (also GET /jobs/:id/download).',
        headers: IdempotencyHeaders,
        body: KpiExportBody,
        response: { 200: CreatedExport, 202: CreatedExport, ...errorResponses(400, 401, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const idempotency = idempotencyOf(request, request.body)
      const { job, idExport, replayed } = await reports.submitKpiExport(request.caller, request.body, clientIp(request.ip), idempotency)
      return sendCreated(reply, job, { replayed, extra: { idExport } })
    },
  )

  app.get(
    '/jobs/:id/download',
    {
      schema: {
        tags: ['reports'],
        summary: "A finished job's file",
        description: 'Redirects (302; with `Accept: application/json`, 200 `{url, expiresAt}`) to a freshly signed link, valid PRESIGNED_EXPIRES seconds, for as long as the file is kept: an expired link in a result is never a dead end.',
        params: JobParams,
        response: { ...signedLinkResponses, ...errorResponses(400, 401, 404, 409, 410) },
      },
    },
    async (request, reply) => {
      return sendSignedLink(request, reply, await reports.downloadUrl(request.caller, request.params.id))
    },
  )
}

export default reportRoutes
