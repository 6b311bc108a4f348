// The child process migrateApart() starts. Protocol over the IPC channel:
//   parent -> child: { url, owners }   child -> parent: { report: MigrationReport } | { error: message }
// then the child exits, and the schema engine's memory with it.
import { migrate } from './migrate.js'
import type { OwnerSchema } from './owner-migrations.js'

process.once('message', (msg: { url: string; owners: OwnerSchema[] }) => {
  migrate(msg.url, msg.owners)
    .then(
      (report) => process.send!({ report }),
      (err: unknown) => process.send!({ error: err instanceof Error ? err.message : String(err) }),
    )
    .finally(() => process.disconnect())
})
