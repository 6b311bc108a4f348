// The report table and its trigger: owned by the job types that write report files, which
// each list this one SchemaOwner in their definition (it is applied once).
import type { SchemaOwner } from '../db/owner-migrations.js'
import { reportSyncTrigger } from './report-sync.js'

export const reportsSchema: SchemaOwner = {
  name: 'reports',
  migrations: new URL('./migrations/', import.meta.url),
  sqlObjects: [reportSyncTrigger],
}
