// Data reports for the older AsyncReports clients: POST /jobs/report with the rows in a JSON
// body, or in a JSON/NDJSON `dataFile` (multipart). Either way the rows are streamed into
// storage as they arrive, never parsed whole, and the job is created once they are stored.
import type { Readable } from 'node:stream'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { ValidationError } from '../../errors.js'
import { idempotencyOf, sendCreated } from '../../http/job-created.js'
import { closeIfRefusedEarly, readUploadForm } from '../../http/multipart-parts.js'
import { errorResponses } from '../../http/schemas/error.js'
import { CreatedJob, IdempotencyHeaders } from '../../http/schemas/job.js'
import type { Storage } from '../../storage/storage.js'
import { UploadTooLargeError } from '../../storage/store-upload.js'
import { dataFileKind } from './data-file-kind.js'
import { type DataReportOptions, parseDataReportOptions } from './data-request.js'
import { type StoredRows, storeJsonBody } from './json-body-intake.js'
import { DataReportBody } from './schemas.js'
import type { DataReportService } from './service.js'

export interface DataReportRouteOptions {
  reports: DataReportService
  storage: Storage
  maxBodyBytes: number
  maxUploadBytes: number
}

const dataReportRoutes: FastifyPluginAsyncTypebox<DataReportRouteOptions> = async (
  app,
  { reports, storage, maxBodyBytes, maxUploadBytes },
) => {
  await app.register(multipart, {
    limits: { fileSize: maxUploadBytes, files: 1, fields: 10, fieldSize: 256 * 1024, parts: 12 },
  })
  // In this scope a JSON body is not parsed by Fastify: the route streams it (json-body-intake.ts).
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', (_request, payload, done) => done(null, payload))

  app.post(
    '/jobs/report',
    {
      // The body is checked while it streams in, not by Fastify: the schema is the docs.
      validatorCompiler: () => () => true,
      config: { createsJob: true },
      schema: {
        tags: ['reports'],
        summary: 'Turn rows you send into an XLSX or CSV report (optionally zipped)',
        description:
          'Either a JSON body (up to MAX_REPORT_BODY_BYTES) or multipart/form-data with a `dataFile` (a JSON array of row objects, or NDJSON, up to MAX_UPLOAD_BYTES) and the other fields as form fields (`columns` as a JSON array or comma-separated keys, `compress` true | false). Rows are streamed into storage as they arrive; 202 once they are stored. The result carries a download link (also GET /jobs/:id/download).',
        consumes: ['application/json', 'multipart/form-data'],
        headers: IdempotencyHeaders,
        body: DataReportBody,
        response: { 200: CreatedJob, 202: CreatedJob, ...errorResponses(400, 401, 409, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { rows, options, sha256 } = await (request.isMultipart()
        ? fromMultipart(request, storage, maxUploadBytes)
        : fromJsonBody(request.body as unknown as Readable, request.headers['content-length'], storage, maxBodyBytes)
      ).catch((err) => {
        closeIfRefusedEarly(reply, err)
        throw err
      })
      const idempotency = idempotencyOf(request, { options, sha256 })
      const { job, replayed } = await reports.submit(request.caller, rows, options, idempotency)
      return sendCreated(reply, job, { replayed })
    },
  )
}

async function fromJsonBody(body: Readable, contentLength: string | undefined, storage: Storage, maxBytes: number) {
  if (Number(contentLength) > maxBytes) {
    body.resume()
    throw new UploadTooLargeError(maxBytes, 'MAX_REPORT_BODY_BYTES', 'the body')
  }
  return storeJsonBody(storage, body, maxBytes)
}

async function fromMultipart(
  request: FastifyRequest,
  storage: Storage,
  maxUploadBytes: number,
): Promise<{ rows: StoredRows; options: DataReportOptions; sha256: string }> {
  const { upload, fields } = await readUploadForm(request, storage, {
    fileField: 'dataFile',
    sniff: dataFileKind,
    maxBytes: maxUploadBytes,
    missing: 'dataFile: is required (or send the rows as a JSON body)',
  })
  try {
    return {
      rows: { key: upload.key, kind: upload.kind, size: upload.size },
      options: parseDataReportOptions(formOptions(fields)),
      sha256: upload.sha256,
    }
  } catch (err) {
    await storage.delete(upload.key).catch(() => {})
    throw err
  }
}

/** Form fields are text: `compress` true | false, `columns` a JSON array or comma-separated keys. */
function formOptions(fields: Record<string, string>): Record<string, unknown> {
  const options: Record<string, unknown> = { ...fields }
  if (fields.compress !== undefined) {
    if (fields.compress !== 'true' && fields.compress !== 'false')
      throw new ValidationError('compress: must be true or false', { field: 'compress' })
    options.compress = fields.compress === 'true'
  }
  if (fields.columns !== undefined) {
    const text = fields.columns.trim()
    if (text.startsWith('[')) {
      try {
        options.columns = JSON.parse(text)
      } catch {
        throw new ValidationError('columns: is neither a JSON array nor comma-separated keys', { field: 'columns' })
      }
    } else {
      options.columns = text.split(',').map((c) => c.trim())
    }
  }
  return options
}

export default dataReportRoutes
