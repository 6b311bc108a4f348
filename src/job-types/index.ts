// The job types this service runs: one folder each under src/job-types/<type>/ (its
// parameters, its processor, its definition in index.ts with whatever routes and services it
// has), and one entry here. Nothing else names them.
import type { JobTypeDefinition } from '../jobs/registry.js'
import { dataReport } from './data-report/index.js'
import { dktImport } from './dkt-import/index.js'
import { kpiExport } from './kpi-export/index.js'
import { noop } from './noop/index.js'
import { sleep } from './sleep/index.js'

export const jobTypes: JobTypeDefinition[] = [noop, sleep, dktImport, kpiExport, dataReport]
