// The words the core and job types share about a job, kept in a module of their own so that
// both sides import them without importing each other.
export type Priority = 'HIGH' | 'NORMAL' | 'LOW'

/** Where a job is: waiting, running, or ended one of three ways. */
export type JobStatus = 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED'

/** What a job type's declarations see of a job. */
export interface JobFacts {
  id: string
  type: string
  status: JobStatus
  parameters: unknown
  result: unknown
  error: unknown
}

export type { OwnedFile } from '../queue/job-files.js'
