// Generates the Prisma client (src/generated/prisma) offline. `prisma generate` does not use
// the native schema engine, but the CLI looks for one and would try to download it; pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file (here: node itself) keeps it offline.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const cli = require.resolve('prisma/build/index.js')
const env = { ...process.env }
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath
env.PRISMA_HIDE_UPDATE_MESSAGE = '1'
const res = spawnSync(process.execPath, [cli, 'generate'], { stdio: ['ignore', 'ignore', 'inherit'], env })
process.exit(res.status ?? 1)
