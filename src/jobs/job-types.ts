// The job types this service runs, each in its folder src/job-types/<name>/: processor.ts
// (default export a Processor, loaded by URL in a worker thread) and parameters.ts (named export
// `parameters`, its TypeBox schema: kept apart so that worker threads never load TypeBox). Add
// one: its folder, then an entry here.
import * as dataReport from '../job-types/data-report/parameters.js'
import * as dktImport from '../job-types/dkt-import/parameters.js'
import * as kpiExport from '../job-types/kpi-export/parameters.js'
import * as noop from '../job-types/noop/parameters.js'
import * as sleep from '../job-types/sleep/parameters.js'
import type { JobTypeDefinition } from './registry.js'

const processor = (name: string) => new URL(`../job-types/${name}/processor.js`, import.meta.url)

/**
 * ExcelJS's writer allocates about 16 KB per row, nearly all of it garbage at once. With twice
 * the default young generation, a thread scavenges half as often and promotes less: a 1M-row
 * KPI export took 11.7-11.9 s instead of 12.8 s (server runs side by side), for 20-40 MB more
 * peak RSS while it runs. Imports keep the default: they peak nearer their memory budget.
 */
const XLSX_WRITER_YOUNG_GENERATION_MB = 96

export const jobTypes: Record<string, JobTypeDefinition> = {
  noop: { parameters: noop.parameters, processor: processor('noop'), description: 'does nothing (smoke test, benchmarks)' },
  sleep: { parameters: sleep.parameters, processor: processor('sleep'), description: 'waits, reporting progress (demo)' },
  'dkt-import': {
    parameters: dktImport.parameters,
    processor: processor('dkt-import'),
    description: 'imports an uploaded DKT file into a lote',
    submittedThrough: 'POST /jobs/dkt-import',
    // All or nothing, and at most one lote per job: safe to run again after a crash.
    defaults: { maxAttempts: 3, timeoutMs: 2 * 3_600_000 },
  },
  'kpi-export': {
    parameters: kpiExport.parameters,
    processor: processor('kpi-export'),
    description: 'exports KPI snapshots to an XLSX or CSV file with a download link',
    submittedThrough: 'POST /jobs/kpi-export',
    // A new file from a consistent snapshot each time: safe to run again after a crash.
    defaults: { maxAttempts: 3, timeoutMs: 2 * 3_600_000 },
    youngGenerationMb: XLSX_WRITER_YOUNG_GENERATION_MB,
  },
  'data-report': {
    parameters: dataReport.parameters,
    processor: processor('data-report'),
    description: 'turns rows a client sent (JSON, NDJSON) into an XLSX or CSV file with a download link',
    submittedThrough: 'POST /jobs/report',
    // Reads its stored rows and writes a new file each time: safe to run again after a crash.
    defaults: { maxAttempts: 3, timeoutMs: 2 * 3_600_000 },
    youngGenerationMb: XLSX_WRITER_YOUNG_GENERATION_MB,
  },
}
