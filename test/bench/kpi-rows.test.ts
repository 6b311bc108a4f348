// bench:export's ceiling must write the very cells the export writes: its JavaScript copy of the
// seed (bench/support/kpi-rows.ts) against a real export of a freshly seeded table, read back.
import ExcelJS from 'exceljs'
import t from 'tap'
import { kpiSeedRows } from '../../bench/support/kpi-rows.js'
import { seedKpi } from '../../src/job-types/kpi-export/kpi-seed.js'
import { download, startTestFaena } from '../support/faena.js'
import { waitForStatus } from '../support/jobs.js'

t.test('the seed rows made in JavaScript are the cells of an export of the seeded table', async (t) => {
  const f = await startTestFaena(t)
  const rows = 3000 // 15 days, every branch, indicator and null pattern several times
  await seedKpi(f.faena.db.pool, rows)
  const res = await f
    .as('alice')
    .post('/jobs/kpi-export', { filters: { from: '2020-01-01', to: '2020-12-31' }, format: 'xlsx' })
  const job = await waitForStatus(f.faena, res.json().jobId, 'COMPLETED')
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load((await download(f, (job.result as { downloadUrl: string }).downloadUrl)) as never)
  const sheet = workbook.worksheets[0]!
  t.equal(sheet.rowCount, rows + 1)
  const seedRow = kpiSeedRows()
  const differing: string[] = []
  for (let g = 0; g < rows; g++) {
    const read = sheet.getRow(g + 2)
    seedRow(g).forEach((want, i) => {
      const got = read.getCell(i + 1).value
      const same = want instanceof Date ? got instanceof Date && got.getTime() === want.getTime() : got === want
      if (!same && differing.length < 5)
        differing.push(`row ${g + 2}, column ${i + 1}: ${String(got)} in the export, ${String(want)} made`)
    })
  }
  t.same(differing, [], 'every cell equal')
})
