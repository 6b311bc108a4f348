// The child process migrateApart() starts. Protocol over the IPC channel:
//   parent -> child: { url }     child -> parent: { applied: [names] } | { error: { name, message } }
// then the child exits, and the schema engine's memory with it.
import { migrate } from './migrate.js'

process.once('message', (msg: { url: string }) => {
  migrate(msg.url).then(
    (applied) => process.send!({ applied }),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err))
      process.send!({ error: { name: e.name, message: e.message } })
    },
  ).finally(() => process.disconnect())
})
