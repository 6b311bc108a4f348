/** This process's worker threads and how many run a job now; null on a node that runs none. */
export type PoolUse = () => { threads: number; running: number } | null
