// DKT imports: the upload (multipart, streamed to storage) and the lotes it produces.
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { FaenaError, ValidationError } from '../../errors.js'
import { idempotencyOf, sendCreated } from '../../http/job-created.js'
import { closeIfRefusedEarly, readUploadForm } from '../../http/multipart-parts.js'
import { errorResponses } from '../../http/schemas/error.js'
import { CreatedJob, IdempotencyHeaders, JobParams } from '../../http/schemas/job.js'
import { sendSignedLink, signedLinkResponses } from '../../http/signed-link.js'
import type { Storage } from '../../storage/storage.js'
import type { StoredUpload } from '../../storage/store-upload.js'
import { dktFileKind, type FileKind } from './file-kind.js'
import { ListQuery, Lote, LoteList, LoteParams } from './schemas.js'
import type { DktService } from './service.js'

export interface DktRouteOptions {
  dkt: DktService
  storage: Storage
  maxUploadBytes: number
}

const FIELDS = { onError: ['reject', 'skip'], force: ['true', 'false'] } as const
/** Fields of any value. */
const FREE_FIELDS = ['callbackUrl']

const dktRoutes: FastifyPluginAsyncTypebox<DktRouteOptions> = async (app, { dkt, storage, maxUploadBytes }) => {
  await app.register(multipart, {
    limits: { fileSize: maxUploadBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12 },
  })

  app.post(
    '/jobs/dkt-import',
    {
      config: { createsJob: true },
      schema: {
        tags: ['dkt'],
        summary: 'Upload a DKT file (CSV or XLSX) and import it into a new lote',
        description:
          "multipart/form-data with `file` and optional `onError` (reject | skip), `force` (true | false) and `callbackUrl` (told of the job's end, as for POST /jobs). The file is streamed to storage as it arrives; 202 once it is stored.",
        consumes: ['multipart/form-data'],
        headers: IdempotencyHeaders,
        response: { 200: CreatedJob, 202: CreatedJob, ...errorResponses(400, 401, 409, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart())
        throw new FaenaError(
          'UNSUPPORTED_MEDIA_TYPE',
          'send the file as multipart/form-data, in a field named "file"',
          415,
        )
      let upload: StoredUpload<FileKind> | undefined
      try {
        const form = await readUploadForm(request, storage, {
          fileField: 'file',
          sniff: dktFileKind,
          maxBytes: maxUploadBytes,
          missing: 'file: is required (multipart field "file")',
        })
        upload = form.upload
        const fields = form.fields
        for (const [name, allowed] of Object.entries(FIELDS)) {
          const v = fields[name]
          if (v !== undefined && !(allowed as readonly string[]).includes(v)) {
            throw new ValidationError(`${name}: must be one of ${allowed.join(', ')}`)
          }
        }
        const unknown = Object.keys(fields).filter((f) => !(f in FIELDS) && !FREE_FIELDS.includes(f))
        if (unknown.length) throw new ValidationError(`${unknown[0]}: is not a known field`)
        const onError = (fields.onError as 'reject' | 'skip' | undefined) ?? 'reject'
        const force = fields.force === 'true'
        const callbackUrl = fields.callbackUrl
        const idempotency = idempotencyOf(request, {
          onError,
          force,
          sha256: upload.sha256,
          fileName: upload.fileName,
          callbackUrl,
        })
        const { job, replayed } = await dkt.submitImport(request.caller, upload, {
          onError,
          force,
          idempotency,
          callbackUrl,
        })
        return sendCreated(reply, job, { replayed })
      } catch (err) {
        if (upload) await dkt.discardUpload(upload)
        closeIfRefusedEarly(reply, err)
        throw err
      }
    },
  )

  app.get(
    '/jobs/:id/problems.csv',
    {
      schema: {
        tags: ['dkt'],
        summary: 'Every problem an import found (line, column, value, reason), as CSV',
        description:
          'Redirects (302; with `Accept: application/json`, 200 `{url, expiresAt}`) to a freshly signed download link, valid PRESIGNED_EXPIRES seconds.',
        params: JobParams,
        response: { ...signedLinkResponses, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      return sendSignedLink(request, reply, await dkt.problemsFileUrl(request.caller, request.params.id))
    },
  )

  app.get(
    '/dkt/lotes',
    {
      schema: {
        tags: ['dkt'],
        summary: "The caller's lotes, newest first",
        querystring: ListQuery,
        response: { 200: LoteList, ...errorResponses(400, 401) },
      },
    },
    async (request) => dkt.listLotes(request.caller, request.query),
  )

  app.get(
    '/dkt/lotes/:id',
    {
      schema: {
        tags: ['dkt'],
        summary: 'A lote: file, row counts, date range, totals per currency',
        params: LoteParams,
        response: { 200: Lote, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => dkt.getLote(request.caller, request.params.id),
  )

  app.delete(
    '/dkt/lotes/:id',
    {
      schema: {
        tags: ['dkt'],
        summary: 'Undo an import: removes the lote and all its rows',
        params: LoteParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await dkt.deleteLote(request.caller, request.params.id)
      return reply.code(204).send(null)
    },
  )
}

export default dktRoutes
