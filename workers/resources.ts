// What a processor may use besides its parameters: the database and the file storage, built
// lazily inside its thread from plain settings the pool hands every thread (workerData). One
// small pool and one storage client per thread, released when the thread ends.
import pg from 'pg'
import type { WorkerSettings } from '../src/execution/thread-protocol.js'
import type { ThreadResources } from '../src/jobs/processor.js'
import { createStorage } from '../src/storage/create-storage.js'
import type { Storage } from '../src/storage/storage.js'

export function createThreadResources(settings: WorkerSettings | undefined): ThreadResources {
  let pool: pg.Pool | undefined
  let storage: Promise<Storage> | undefined
  const need = () => {
    if (!settings) throw new Error('this worker pool was started without resource settings')
    return settings
  }
  return {
    db() {
      pool ??= new pg.Pool({ connectionString: need().databaseUrl, max: 2, allowExitOnIdle: true })
      return pool
    },
    storage() {
      storage ??= createStorage(need().storage)
      return storage
    },
  }
}
