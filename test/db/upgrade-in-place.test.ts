// A database migrated by the releases before job types owned their schemas (the core's chain
// created lote, resumen_tarjeta, report, kpi_* and the report trigger) upgrades in place: the
// job types adopt their tables with every row kept, and the triggers they now own keep report
// and audit rows in step with their jobs.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { databaseUrl, withClient } from '../../src/db/ensure-database.js'
import { migrate } from '../../src/db/migrate.js'
import { jobTypes } from '../../src/job-types/index.js'
import { ownedSchemas } from '../../src/jobs/registry.js'

const adminUrl = () => process.env.FAENA_TEST_ADMIN_URL!

t.test('tables made by the core chain are adopted with their rows; the owned triggers follow jobs', async (t) => {
  const name = `faena_t_upgrade_${randomBytes(6).toString('hex')}`
  await withClient(adminUrl(), (c) => c.query(`CREATE DATABASE "${name}"`))
  t.teardown(() => withClient(adminUrl(), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)))
  const url = databaseUrl(adminUrl(), name)

  // As the release of 2026-12-07 left it: the core chain only, with rows in every job-type table.
  const before = await migrate(url)
  t.ok(before.migrations.length > 20, 'the core chain')
  await withClient(url, async (c) => {
    await c.query(`INSERT INTO processing_job (id, type, user_id, parameters, status, updated_at)
                   VALUES ('j-kpi', 'kpi-export', 'alice', '{}', 'PROCESSING', now()),
                          ('j-dkt', 'dkt-import', 'alice', '{"sha256": "abc"}', 'COMPLETED', now())`)
    await c.query(`INSERT INTO lote (id, user_id, job_id, file_name, file_sha256, file_size, rows_read, rows_imported,
                                     rows_invalid, rows_duplicate, totals)
                   VALUES ('l1', 'alice', 'j-dkt', 'a.csv', 'abc', 10, 1, 1, 0, 0, '[]')`)
    await c.query(`INSERT INTO resumen_tarjeta (lote_id, linea, tarjeta, fecha, comercio, comprobante, importe, moneda)
                   VALUES ('l1', 2, '450799******1234', '2026-03-05', 'Kiosco', '0001', 12.50, 'ARS')`)
    await c.query(`INSERT INTO report (id, job_id, user_id, kind, storage_key, file_name, format)
                   VALUES ('r1', 'j-kpi', 'alice', 'kpi-export', 'reports/j-kpi/k.csv', 'k.csv', 'csv')`)
    await c.query(
      `INSERT INTO kpi_auditoria_export (user_id, filters, format, job_id) VALUES ('alice', '{}', 'csv', 'j-kpi')`,
    )
  })

  const after = await migrate(url, ownedSchemas(jobTypes))
  t.same(after.migrations, ['dkt-import/0001_lote.sql', 'reports/0001_report.sql', 'kpi-export/0001_kpi.sql'])
  t.same(after.sqlObjects, ['reports/processing_job_report_sync', 'kpi-export/processing_job_kpi_audit_sync'])

  await withClient(url, async (c) => {
    const kept =
      await c.query(`SELECT (SELECT count(*)::int FROM lote) AS lotes, (SELECT count(*)::int FROM resumen_tarjeta) AS rows,
                                       (SELECT count(*)::int FROM report) AS reports, (SELECT count(*)::int FROM kpi_auditoria_export) AS audits`)
    t.same(kept.rows[0], { lotes: 1, rows: 1, reports: 1, audits: 1 }, 'every row kept')
    await c.query(`UPDATE processing_job SET status = 'COMPLETED', result = '{"fileSizeBytes": 42, "recordsProcessed": 3}'
                   WHERE id = 'j-kpi'`)
    const synced = await c.query(`SELECT r.status::text, r.size_bytes::int, a.codigo_estado
                                    FROM report r JOIN kpi_auditoria_export a USING (job_id) WHERE job_id = 'j-kpi'`)
    t.same(synced.rows[0], { status: 'COMPLETED', size_bytes: 42, codigo_estado: 1 }, 'report and audit follow the job')
    const triggers =
      await c.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'processing_job'::regclass AND NOT tgisinternal
                                    ORDER BY tgname`)
    t.same(
      triggers.rows.map((r) => r.tgname),
      [
        'processing_job_active_delete',
        'processing_job_active_insert',
        'processing_job_active_truncate',
        'processing_job_active_update',
        'processing_job_kpi_audit_sync',
        'processing_job_queued_notify',
        'processing_job_report_sync',
        'processing_job_turn',
        'processing_job_turn_written',
        'processing_job_webhook_event',
      ],
    )
  })
  t.same(await migrate(url, ownedSchemas(jobTypes)), { migrations: [], sqlObjects: [] }, 'then nothing more')
})
