// The command-line client as a user runs it: a child process against a real server. Exit codes
// tell completed (0), failed (1), refused (2) and cancelled (3) apart; Ctrl-C asks first.

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import t, { type Test } from 'tap'
import { seedKpi } from '../../src/job-types/kpi-export/kpi-seed.js'
import { csvBytes, dktRow, HEADER } from '../support/dkt-files.js'
import { startListeningTestFaena, type TestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { waitFor } from '../support/wait.js'

const CLI = join(process.cwd(), 'dist', 'src', 'cli', 'main.js')

interface Run {
  stdout: string
  stderr: string
  code: number | null
}

function cli(f: TestFaena, base: string, args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, FAENA_URL: base, FAENA_TOKEN: f.token('alice') },
    stdio: 'pipe',
  })
  const run: Run = { stdout: '', stderr: '', code: null }
  child.stdout.on('data', (c: Buffer) => (run.stdout += c))
  child.stderr.on('data', (c: Buffer) => (run.stderr += c))
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ ...run, code })))
  return { child, run, done }
}

async function server(t: Test) {
  const { f, base } = await startListeningTestFaena(t)
  const dir = mkdtempSync(join(tmpdir(), 'faena-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return { f, base, dir }
}

t.test('import: follows to COMPLETED and exits 0; a rejected file exits 1', async (t) => {
  const { f, base, dir } = await server(t)
  const good = join(dir, 'marzo.csv')
  writeFileSync(good, csvBytes([HEADER, ...Array.from({ length: 50 }, (_, i) => dktRow(i))]))
  const ok = await cli(f, base, ['import', good]).done
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stderr, /job \S+ created/)
  t.match(ok.stderr, /COMPLETED: 50 rows imported into lote \S+ \(0 duplicates, 0 invalid\)/)

  const bad = join(dir, 'bad.csv')
  writeFileSync(bad, csvBytes([HEADER, dktRow(1), ['1', 'ayer', 'X', '9', '', 'mucho', 'ARS', '']]))
  const failed = await cli(f, base, ['import', bad]).done
  t.equal(failed.code, 1)
  t.match(failed.stderr, /FAILED: DKT_INVALID_ROWS 1 of 2 rows are invalid/)

  const list = await cli(f, base, ['list']).done
  t.equal(list.code, 0, list.stderr)
  const lines = list.stdout.trim().split('\n')
  t.equal(lines.length, 2, 'both imports, one line each')
  t.match(lines[0], /^\S+\s+dkt-import\s+FAILED/)
  t.match(lines[1], /^\S+\s+dkt-import\s+COMPLETED\s+100%/)
})

t.test('export: follows, then downloads the file into --out and prints its path', async (t) => {
  const { f, base, dir } = await server(t)
  await seedKpi(f.faena.db.pool, 2000)
  const res = await cli(f, base, ['export', '--from', '2020-01-01', '--to', '2020-01-03', '--out', dir]).done
  t.equal(res.code, 0, res.stderr)
  const path = join(dir, 'kpi_2020-01-01_2020-01-03.xlsx')
  t.equal(res.stdout.trim(), path)
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.readFile(path)
  t.equal(workbook.worksheets[0]!.rowCount, 1 + 3 * 200)
  t.match(res.stderr, /COMPLETED: kpi_2020-01-01_2020-01-03\.xlsx, 600 rows/)
})

t.test('Ctrl-C asks: "n" goes on following, "y" cancels the job and exits 3', async (t) => {
  const gates = openGates(t)
  const { f, base } = await server(t)
  const jobId = (
    await f.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'cli-1', progressAt: 25 } })
  ).json().jobId as string
  await gates.next('cli-1', 'started')
  const { child, run, done } = cli(f, base, ['follow', jobId])
  await waitFor('the CLI to show the job running', async () => /PROCESSING 25%/.test(run.stderr))
  child.kill('SIGINT')
  await waitFor('the question', async () => run.stderr.includes(`cancel job ${jobId}? [y/N]`))
  child.stdin.write('n\n')
  await waitFor('the answer to be taken', async () => run.stderr.includes(`still following job ${jobId}`))
  t.equal((await f.as('alice').get(`/jobs/${jobId}`)).json().status, 'PROCESSING', '"n": the job goes on')
  child.kill('SIGINT')
  await waitFor('the question again', async () => run.stderr.split('[y/N]').length === 3)
  child.stdin.write('y\n')
  const res = await done
  t.equal(res.code, 3, res.stderr)
  t.match(res.stderr, /CANCELLED: CANCELLED cancelled by the user/)
  t.equal((await f.as('alice').get(`/jobs/${jobId}`)).json().status, 'CANCELLED')
})

t.test('refused requests and bad usage exit 2 with the reason', async (t) => {
  const { f, base } = await server(t)
  const none = await cli(f, base, []).done
  t.equal(none.code, 2)
  t.match(none.stderr + none.stdout, /usage: faena <command>/)
  const missing = await cli(f, base, ['follow', 'no-such-job']).done
  t.equal(missing.code, 2)
  t.match(missing.stderr, /refused \(404 NOT_FOUND\): job no-such-job not found/)
  const badDates = await cli(f, base, ['export', '--from', '2020-02-01', '--to', '2020-01-01']).done
  t.equal(badDates.code, 2)
  t.match(badDates.stderr, /refused \(400 /)
})

t.test('retry: a cancelled job runs again and is followed to its end', async (t) => {
  const { f, base } = await server(t)
  const { jobId } = (
    await f.as('alice').post('/jobs', {
      type: 'sleep',
      parameters: { ms: 1, steps: 1 },
      runAt: new Date(Date.now() + 3_600_000).toISOString(),
    })
  ).json()
  await f.as('alice').delete(`/jobs/${jobId}`)
  // It runs now: the re-run is due at once.
  const run = await cli(f, base, ['retry', jobId]).done
  t.equal(run.code, 0, run.stderr)
  t.match(run.stderr, new RegExp(`job ${jobId} queued to run again[\\s\\S]*COMPLETED`))
  const again = await cli(f, base, ['retry', jobId]).done
  t.equal(again.code, 2)
  t.match(again.stderr, /refused \(409 JOB_NOT_RERUNNABLE\)/)
})

t.test('schedule add, list, pause, resume, rm', async (t) => {
  const { f, base } = await server(t)
  const add = await cli(f, base, [
    'schedule',
    'add',
    '--cron',
    '0 7 * * 1',
    '--tz',
    'America/Argentina/Buenos_Aires',
    '--type',
    'sleep',
    '--params',
    '{"ms":10}',
    '--name',
    'weekly',
  ]).done
  t.equal(add.code, 0, add.stderr)
  const id = add.stdout.trim().split(/\s+/)[0]!
  t.match(
    add.stdout,
    /sleep .* 0 7 \* \* 1 America\/Argentina\/Buenos_Aires .* next 20\d\d-.*T10:00:00\.000Z .* weekly/,
  )
  t.match((await cli(f, base, ['schedule', 'pause', id]).done).stdout, /paused/)
  t.match((await cli(f, base, ['schedule', 'resume', id]).done).stdout, /next 20/)
  t.match((await cli(f, base, ['schedule', 'list']).done).stdout, new RegExp(`^${id} `))
  t.equal((await cli(f, base, ['schedule', 'rm', id]).done).code, 0)
  t.equal((await cli(f, base, ['schedule', 'list']).done).stdout, '')
  const bad = await cli(f, base, ['schedule', 'add', '--cron', '61 * * * *', '--type', 'noop']).done
  t.equal(bad.code, 2)
  t.match(bad.stderr, /refused \(400 VALIDATION_FAILED\): cron: /)
  const usage = await cli(f, base, ['schedule', 'add', '--type', 'noop']).done
  t.equal(usage.code, 2)
  t.match(usage.stderr, /schedule add needs --cron and --type/)
})
