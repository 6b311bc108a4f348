// A small client of faena's HTTP API, over fetch: what the command-line client (src/cli) and
// the tests use. Errors are the API's own: a FaenaApiError carries its status and body.

import { openAsBlob } from 'node:fs'
import { basename } from 'node:path'
import { EventSourceParserStream } from 'eventsource-parser/stream'
import type { JobView } from '../jobs/job-view.js'
import type { NewSchedule, ScheduleChange, ScheduleView } from '../schedules/schedule-service.js'

export class FaenaApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'FaenaApiError'
  }
}

export interface Created {
  jobId: string
  status: string
}

export interface FaenaClient {
  importDkt(
    file: string,
    fields?: { onError?: 'reject' | 'skip'; force?: boolean; callbackUrl?: string },
  ): Promise<Created>
  exportKpi(body: {
    filters: { from: string; to: string; sucursal?: string; indicador?: string }
    format: 'xlsx' | 'csv'
    callbackUrl?: string
  }): Promise<Created>
  get(id: string): Promise<JobView>
  list(query?: {
    status?: string
    type?: string
    limit?: number
  }): Promise<{ data: JobView[]; pagination: { total: number; limit: number; offset: number; hasMore: boolean } }>
  cancel(id: string): Promise<void>
  /** A FAILED or CANCELLED job queued to run again. */
  rerun(id: string): Promise<Created>
  createSchedule(body: NewSchedule): Promise<ScheduleView>
  listSchedules(query?: {
    limit?: number
    offset?: number
  }): Promise<{ data: ScheduleView[]; pagination: { total: number } }>
  updateSchedule(id: string, change: ScheduleChange): Promise<ScheduleView>
  deleteSchedule(id: string): Promise<void>
  /** The job now, then at every change, until a final state (or `signal`). */
  follow(id: string, signal?: AbortSignal): AsyncGenerator<JobView>
  /** A finished job's file: its bytes as a stream, and its name. */
  download(id: string): Promise<{ body: ReadableStream<Uint8Array>; fileName: string | null }>
}

export function createFaenaClient(baseUrl: string, token: string): FaenaClient {
  const headers = { authorization: `Bearer ${token}` }
  const url = (path: string) => new URL(path, baseUrl).toString()

  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url(path), {
      ...init,
      headers: { ...headers, ...(init.headers as Record<string, string>) },
    })
    if (res.ok || (res.status >= 300 && res.status < 400)) return res
    const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string }
    throw new FaenaApiError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? res.statusText)
  }
  const json = async <T>(path: string, init?: RequestInit) => (await (await call(path, init)).json()) as T
  const send = (method: string, body: unknown): RequestInit => ({
    method,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  })

  return {
    async importDkt(file, fields = {}) {
      const form = new FormData()
      if (fields.onError) form.set('onError', fields.onError)
      if (fields.force) form.set('force', 'true')
      if (fields.callbackUrl) form.set('callbackUrl', fields.callbackUrl)
      form.set('file', await openAsBlob(file), basename(file))
      return json('/jobs/dkt-import', { method: 'POST', body: form })
    },
    exportKpi: (body) => json('/jobs/kpi-export', send('POST', body)),
    get: (id) => json(`/jobs/${encodeURIComponent(id)}`),
    list(query = {}) {
      const q = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
      return json(`/jobs?${q}`)
    },
    async cancel(id) {
      await call(`/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' })
    },
    rerun: (id) => json(`/jobs/${encodeURIComponent(id)}/retry`, { method: 'POST' }),
    createSchedule: (body) => json('/schedules', send('POST', body)),
    listSchedules(query = {}) {
      const q = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
      return json(`/schedules?${q}`)
    },
    updateSchedule: (id, change) => json(`/schedules/${encodeURIComponent(id)}`, send('PATCH', change)),
    async deleteSchedule(id) {
      await call(`/schedules/${encodeURIComponent(id)}`, { method: 'DELETE' })
    },
    async *follow(id, signal) {
      const res = await call(`/jobs/${encodeURIComponent(id)}/events`, {
        headers: { accept: 'text/event-stream' },
        ...(signal ? { signal } : {}),
      })
      const events = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream())
      for await (const event of events) {
        if (event.event === 'job') yield JSON.parse(event.data) as JobView
      }
    },
    async download(id) {
      const res = await call(`/jobs/${encodeURIComponent(id)}/download`, { redirect: 'follow' })
      const disposition = res.headers.get('content-disposition') ?? ''
      const name = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1]
      return { body: res.body!, fileName: name ? decodeURIComponent(name) : null }
    },
  }
}
