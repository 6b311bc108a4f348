import type { FastifyInstance } from 'fastify'
import type { FaenaOptions } from './runtime.js'

// faena's public surface: what a job-type package and a program that embeds faena use. What is
// not exported here is internal and may change in any release. etc/faena.api.md records this
// surface (API Extractor); `npm test` fails when it changes and that file was not updated, so
// that a change to it is a visible decision.
export type { Static, TSchema } from 'typebox'
export { Type } from 'typebox'
export { loadConfig } from './config/load-config.js'
export { type Config, ConfigSchema } from './config/schema.js'
export type { SchemaOwner } from './db/owner-migrations.js'
export type { SqlObject } from './db/sql-objects.js'
export { FaenaError, JobError } from './errors.js'
export { idempotencyOf, sendCreated } from './http/job-created.js'
export type { Caller, Role } from './jobs/caller.js'
export { hasRole, ownerUnless, requireOperatorFor, requireRole } from './jobs/caller.js'
export type { Idempotency } from './jobs/idempotency.js'
export type {
  CreateJobInput,
  CreateJobOptions,
  Jobs,
  JobTypeContext,
  JobTypeServices,
  ViewFields,
} from './jobs/job-type-context.js'
export type { JobView, PreviousRun } from './jobs/job-view.js'
export type {
  JsonValue,
  PhaseSpan,
  Processor,
  ProcessorContext,
  ProgressCounts,
  ThreadResources,
} from './jobs/processor.js'
export { defineJobType, type JobFacts, type JobStatus, type JobTypeDefinition, type Priority } from './jobs/registry.js'
export type { OwnedFile } from './queue/job-files.js'
export type { FaenaOptions } from './runtime.js'
export type { PutOptions, SignedUrl, Storage, StoredObject } from './storage/storage.js'
export type { TraceAttributes, TraceSpan } from './telemetry/tracing.js'

/** A running faena: its HTTP app (call `listen()` to serve it), and one ordered, idempotent `stop()`. */
export interface FaenaService {
  readonly app: FastifyInstance
  /** Listens on HOST:PORT; returns the address. */
  listen(): Promise<string>
  /** Stops taking work, hands running jobs back or lets them finish, closes everything it opened. */
  stop(): Promise<void>
}

/**
 * Starts faena in this process: migrations, the HTTP app (call `listen()`), the worker threads,
 * with `jobTypes` beside the built-in ones and those of FAENA_JOB_TYPES; `stop()` ends it all.
 */
export async function startFaena(options: FaenaOptions = {}): Promise<FaenaService> {
  // Loaded on call: a processor that imports JobError in a worker thread does not load the server.
  const runtime = await import('./runtime.js')
  const faena = await runtime.startFaena(options)
  return { app: faena.app, listen: () => faena.listen(), stop: () => faena.stop() }
}
