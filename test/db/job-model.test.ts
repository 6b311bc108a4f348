// processing_job has one row layer: Prisma's model, which must tell the truth about the table,
// and the mapper that gives hand-written SQL's rows the model's shape (src/queue/job-row.ts).
// A column added by a migration and missed by either fails here, not in production.
import t from 'tap'
import { withClient } from '../../src/db/ensure-database.js'
import { Prisma } from '../../src/generated/prisma/client.js'
import { toProcessingJob } from '../../src/queue/job-row.js'
import { createTestDatabase } from '../support/database.js'

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

t.test("the model's fields are the table's columns, and the row mapper reads every one", async (t) => {
  const url = await createTestDatabase(t)
  const { rows } = await withClient(url, (c) =>
    c.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'processing_job' ORDER BY column_name`,
    ),
  )
  const columns = rows.map((r) => r.column_name)
  const fields = Object.keys(Prisma.ProcessingJobScalarFieldEnum)
  t.same(fields.map(snake).sort(), columns, 'one model field per column, named by @map')

  const row = Object.fromEntries(columns.map((c) => [c, c === 'turn' ? '1' : `value of ${c}`]))
  const mapped = toProcessingJob(row)
  t.same(Object.keys(mapped).sort(), [...fields].sort(), 'the mapper gives every field')
  for (const field of fields.filter((f) => f !== 'turn')) {
    t.equal((mapped as Record<string, unknown>)[field], `value of ${snake(field)}`, `${field} from ${snake(field)}`)
  }
})
