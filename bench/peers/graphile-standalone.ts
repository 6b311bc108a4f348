// node dist/bench/peers/graphile-standalone.js <database url> <per-job|batched> <jobs>
//
// graphile-worker on its own, as its users would run it and as issue 18 measured it: its own
// process, the jobs inserted before its workers start, the same configuration bench/queue.ts
// gives it. Prints `<jobs/s>` on its last line: bench:queue runs it to cross-check its figure.
import { EventEmitter } from 'node:events'
import { Logger, makeWorkerUtils, run, type WorkerEvents } from 'graphile-worker'
import { now } from '../support/stats.js'
import { graphileRunOptions } from './graphile-options.js'

const [url, mode, count] = process.argv.slice(2)
const jobs = Number(count)
const logger = new Logger(() => () => {})
const utils = await makeWorkerUtils({ connectionString: url!, logger })
await utils.migrate()
await utils.addJobs(Array.from({ length: jobs }, () => ({ identifier: 'noop', payload: {} })))
await utils.release()
let done = 0
let finished = () => {}
const all = new Promise<void>((ok) => (finished = ok))
// Listening before the workers start: a job may succeed before run() resolves.
const events = new EventEmitter() as WorkerEvents
events.on('job:success', () => ++done === jobs && finished())
const t0 = now()
const runner = await run({
  ...graphileRunOptions(url!, mode === 'batched' ? 'batched' : 'per-job'),
  logger,
  events,
  taskList: { noop: async () => {} },
})
await all
const seconds = (now() - t0) / 1000
await runner.stop()
console.log(String(jobs / seconds))
