// The body of the thread migrateInThread() starts: applies the migrations, posts their names.
import { parentPort, workerData } from 'node:worker_threads'
import { migrate } from './migrate.js'

parentPort!.postMessage(await migrate((workerData as { url: string }).url))
