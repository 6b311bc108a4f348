// The previous release of faena, built, for the test that runs its nodes beside this code on one
// database (test/upgrade/previous-release.test.ts). Its commit is PREVIOUS_RELEASE below: bump
// it with each release. It is read out of this repository's own history (`git archive`, nothing
// from outside but the npm registry for its dependencies), installed with its own lockfile and
// built once, and kept under ~/.cache/faena/releases/<commit>. Prints the folder.
// Usage: node scripts/previous-release.mjs
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** main as it landed on 2026-12-07, before job types owned their schemas (schema version 1). */
export const PREVIOUS_RELEASE = 'a5721196249650cdb1c093af0f21759537549fcf'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'faena', 'releases')
const folder = join(cache, PREVIOUS_RELEASE)

if (!existsSync(join(folder, 'dist', 'src', 'server.js'))) {
  mkdirSync(cache, { recursive: true })
  const work = mkdtempSync(join(cache, 'building-'))
  try {
    const log = { stdio: ['ignore', process.stderr, process.stderr], cwd: work }
    process.stderr.write(`Building faena ${PREVIOUS_RELEASE.slice(0, 7)} (the previous release) in ${work} ...\n`)
    const archive = execFileSync('git', ['-C', repo, 'archive', '--format=tar', PREVIOUS_RELEASE], {
      maxBuffer: 1 << 30,
    })
    execFileSync('tar', ['xf', '-', '-C', work], { input: archive })
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], log)
    execFileSync('npm', ['run', 'build', '--silent'], log)
    rmSync(folder, { recursive: true, force: true })
    renameSync(work, folder)
  } catch (err) {
    rmSync(work, { recursive: true, force: true })
    throw err
  }
}
console.log(folder)
