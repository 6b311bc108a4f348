// Run before the tests: two services the suite drives come from Debian's packages, not npm.
//   chromium   the browser tests drive it through playwright-core (Playwright's own browser
//              downloads cannot be fetched here); CHROMIUM_PATH overrides its path
//   pgbouncer  the tests behind a transaction-mode pooler start one; PGBOUNCER_PATH overrides
// Installs what is missing with apt-get when we may (root, as in CI); otherwise says what to do.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const wanted = [
  {
    pkg: 'chromium',
    path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    env: 'CHROMIUM_PATH',
    why: 'the browser tests',
  },
  {
    pkg: 'pgbouncer',
    path: process.env.PGBOUNCER_PATH ?? '/usr/sbin/pgbouncer',
    env: 'PGBOUNCER_PATH',
    why: 'the tests behind a pooler',
  },
]
const missing = wanted.filter((w) => !existsSync(w.path))
if (missing.length === 0) process.exit(0)
if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
  for (const w of missing)
    console.error(
      `${w.why} need ${w.pkg} at ${w.path}: install Debian's ${w.pkg} (apt-get install -y ${w.pkg}) or set ${w.env}.`,
    )
  process.exit(1)
}
const names = missing.map((w) => w.pkg)
console.log(`Installing ${names.join(' and ')} for the tests (apt-get install -y ${names.join(' ')})...`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
const install = () => execFileSync('apt-get', ['install', '-y', ...names], { stdio: 'inherit', env })
try {
  install()
} catch {
  execFileSync('apt-get', ['update'], { stdio: 'inherit' })
  install()
}
