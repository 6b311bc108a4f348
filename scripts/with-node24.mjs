// npm run test:node24 — the README's test command (`npm test`) on Node 24 LTS, the version the
// Dockerfile runs, on machines whose own Node is older. The official Node binary comes from the
// npm registry (package node-<platform>-<arch>, no install script, checked against the
// registry's integrity by npm pack), is kept under ~/.cache/faena, and goes first on PATH, so
// npm, the build, tap and every server the tests start run on it.
// Usage: node scripts/with-node24.mjs [command args...]   (default: npm test)
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'

// Pinned: the LTS line of the Dockerfile's image (node:24). Bump both together.
const VERSION = '24.22.3'
const pkg = `node-${process.platform}-${process.arch}`
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'faena', `${pkg}-${VERSION}`)
const bin = join(cache, 'bin')

if (!existsSync(join(bin, 'node'))) {
  console.log(`Fetching Node ${VERSION} (${pkg}) from the npm registry into ${cache} ...`)
  const work = mkdtempSync(join(tmpdir(), 'faena-node-'))
  try {
    const file = execFileSync('npm', ['pack', `${pkg}@${VERSION}`, '--silent', '--pack-destination', work], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop()
    execFileSync('tar', ['xzf', join(work, file), '-C', work])
    mkdirSync(join(cache, '..'), { recursive: true })
    rmSync(cache, { recursive: true, force: true })
    renameSync(join(work, 'package'), cache)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

const version = execFileSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim()
if (version !== `v${VERSION}`) throw new Error(`${join(bin, 'node')} is ${version}, not v${VERSION}`)
const [command, ...args] = process.argv.length > 2 ? process.argv.slice(2) : ['npm', 'test']
console.log(`Running \`${[command, ...args].join(' ')}\` on Node ${version}`)
const run = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } })
process.exit(run.status ?? 1)
