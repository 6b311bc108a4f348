// Run before the tests: the browser tests drive Debian's Chromium through playwright-core
// (browsers downloaded by Playwright itself cannot be fetched here). Installs it with apt-get
// when it is missing and we may (root); otherwise says what to do. CHROMIUM_PATH overrides.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (existsSync(path)) process.exit(0)
if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
  console.error(`The browser tests need Chromium at ${path}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH.`)
  process.exit(1)
}
console.log('Installing Chromium for the browser tests (apt-get install -y chromium)...')
const install = () => execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
try {
  install()
} catch {
  execFileSync('apt-get', ['update'], { stdio: 'inherit' })
  install()
}
