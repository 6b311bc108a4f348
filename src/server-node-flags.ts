// How the server process is started: `npm start` and the Dockerfile write these out
// (test/config/start-command.test.ts checks they agree), and benchmarks and tests that start a
// server process use them. Measured in docs/benchmarks.md (memory).
//
// --max-semi-space-size=2: the API thread's young generation stays at 2 x 2 MB instead of
// growing to V8's 2 x 16 MB, which it keeps for good once grown (it does at startup). Worker
// threads get their own, larger one (src/execution/worker-pool.ts).
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=2'] as const

// MALLOC_ARENA_MAX=1: glibc gives each thread that allocates (worker threads, libuv's pool
// running zlib and file writes) an arena of its own, up to 8 per core, and keeps what they
// freed. Two arenas for the process held 30 to 50 MB less after an import than the default;
// one arena another 8 to 10 MB less at the peak of a 1M-row XLSX export to S3, at the same
// speed (docs/benchmarks.md, memory).
export const SERVER_ENV = { MALLOC_ARENA_MAX: '1' } as const
