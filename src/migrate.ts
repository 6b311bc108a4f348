// Entry point: `npm run migrate`. Applies the migrations of the core and of every job type this
// node would run (the built-in ones and FAENA_JOB_TYPES'), then exits: for deployments that
// migrate as a step of their own and start nodes with MIGRATE_ON_START=false. Uses
// DATABASE_DIRECT_URL when set (a session connection), else DATABASE_URL.
import { loadConfig } from './config/load-config.js'
import { migrate } from './db/migrate.js'
import { ownedSchemas } from './jobs/registry.js'
import { createLogger } from './logger.js'
import { resolveJobTypes } from './runtime.js'

const config = loadConfig()
const logger = createLogger(config)
const url = config.DATABASE_DIRECT_URL ?? config.DATABASE_URL
if (!url) {
  logger.fatal('npm run migrate needs DATABASE_URL (the embedded PostgreSQL is migrated by npm start itself)')
  process.exit(78) // EX_CONFIG
}
try {
  const report = await migrate(url, ownedSchemas(await resolveJobTypes(config)))
  logger.info(report, report.migrations.length + report.sqlObjects.length > 0 ? 'migrated' : 'nothing to migrate')
} catch (err) {
  logger.fatal({ err }, 'migrations failed')
  process.exitCode = 1
}
