#!/usr/bin/env node
// faena's command-line client (`npx faena ...`): submit an import or an export, follow it with
// a progress bar and ETA, download the file when done; Ctrl-C asks whether to cancel the job.
// Exit codes: 0 completed, 1 failed, 2 usage or request refused, 3 cancelled, 130 interrupted
// (the job goes on).
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { createFaenaClient, FaenaApiError, type FaenaClient } from '../client/faena-client.js'
import type { JobView } from '../jobs/job-view.js'
import { createProgressView } from './progress-view.js'
import { SCHEDULE_USAGE, scheduleCommand } from './schedule-command.js'

export const EXIT = { completed: 0, failed: 1, usage: 2, cancelled: 3, interrupted: 130 } as const

const USAGE = `usage: faena <command> [options]

  import <file> [--skip] [--force]       upload a DKT file (CSV or XLSX) and follow its import
  export --from YYYY-MM-DD --to YYYY-MM-DD [--sucursal S] [--indicador I] [--format xlsx|csv]
                                         export KPI snapshots, follow, download the file
  follow <jobId>                          follow a job until it ends
  download <jobId>                        download a finished job's file
  cancel <jobId>                          cancel a job
  retry <jobId>                           run a failed or cancelled job again, and follow it
  list [--status S] [--type T]            your jobs, newest first
${SCHEDULE_USAGE}

options: --url (FAENA_URL, default http://localhost:3000), --token (FAENA_TOKEN; a development
server's own token otherwise), --out DIR (where files go, default .), --no-download,
--callback-url URL (import, export: told of the job's end by a signed webhook)
exit codes: 0 completed, 1 failed, 2 usage or refused, 3 cancelled, 130 interrupted`

async function main(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: process.env.FAENA_URL ?? 'http://localhost:3000' },
      token: { type: 'string', default: process.env.FAENA_TOKEN },
      out: { type: 'string', default: '.' },
      'no-download': { type: 'boolean', default: false },
      skip: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      from: { type: 'string' },
      to: { type: 'string' },
      sucursal: { type: 'string' },
      indicador: { type: 'string' },
      format: { type: 'string', default: 'xlsx' },
      status: { type: 'string' },
      type: { type: 'string' },
      'callback-url': { type: 'string' },
      cron: { type: 'string' },
      tz: { type: 'string' },
      name: { type: 'string' },
      params: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const [command, arg, arg2] = positionals
  const callbackUrl = o['callback-url'] ? { callbackUrl: o['callback-url'] } : {}
  if (o.help || !command) {
    console.log(USAGE)
    return o.help ? EXIT.completed : EXIT.usage
  }
  const client = createFaenaClient(o.url!, o.token ?? (await devToken(o.url!)))
  const follow = (jobId: string) => followJob(client, jobId, { download: !o['no-download'], out: o.out! })

  switch (command) {
    case 'import': {
      if (!arg) return usage('import needs a file')
      const created = await client.importDkt(arg, {
        onError: o.skip ? 'skip' : 'reject',
        force: o.force,
        ...callbackUrl,
      })
      console.error(`job ${created.jobId} created`)
      return follow(created.jobId)
    }
    case 'export': {
      if (!o.from || !o.to) return usage('export needs --from and --to')
      if (o.format !== 'xlsx' && o.format !== 'csv') return usage('--format is xlsx or csv')
      const filters = {
        from: o.from,
        to: o.to,
        ...(o.sucursal ? { sucursal: o.sucursal } : {}),
        ...(o.indicador ? { indicador: o.indicador } : {}),
      }
      const created = await client.exportKpi({ filters, format: o.format, ...callbackUrl })
      console.error(`job ${created.jobId} created`)
      return follow(created.jobId)
    }
    case 'follow':
      return arg ? follow(arg) : usage('follow needs a job id')
    case 'download':
      if (!arg) return usage('download needs a job id')
      console.log(await download(client, arg, o.out!))
      return EXIT.completed
    case 'cancel':
      if (!arg) return usage('cancel needs a job id')
      await client.cancel(arg)
      console.error(`cancel requested for job ${arg}`)
      return EXIT.completed
    case 'retry': {
      if (!arg) return usage('retry needs a job id')
      await client.rerun(arg)
      console.error(`job ${arg} queued to run again`)
      return follow(arg)
    }
    case 'schedule': {
      const problem = await scheduleCommand(client, arg, arg2, {
        cron: o.cron,
        type: o.type,
        params: o.params,
        tz: o.tz,
        name: o.name,
        callbackUrl: o['callback-url'],
      })
      return problem ? usage(problem) : EXIT.completed
    }
    case 'list': {
      const page = await client.list({
        ...(o.status ? { status: o.status } : {}),
        ...(o.type ? { type: o.type } : {}),
        limit: 50,
      })
      for (const j of page.data)
        console.log(
          [
            j.id,
            j.type.padEnd(12),
            j.status.padEnd(10),
            `${j.progress}%`.padStart(4),
            j.createdAt,
            j.message ?? '',
          ].join('  '),
        )
      return EXIT.completed
    }
    default:
      return usage(`unknown command ${command}`)
  }
}

function usage(problem: string): number {
  console.error(`${problem}\n\n${USAGE}`)
  return EXIT.usage
}

/** A development server (no JWT_SECRET) hands out its token; elsewhere a token is needed. */
async function devToken(url: string): Promise<string> {
  const res = await fetch(new URL('/dev-token', url)).catch(() => null)
  if (!res?.ok)
    throw new FaenaApiError(401, 'NO_TOKEN', 'no token: pass --token or set FAENA_TOKEN (npm run token -- <user>)')
  return ((await res.json()) as { token: string }).token
}

/** Follows until a final state; Ctrl-C asks whether to cancel. Returns the exit code. */
async function followJob(
  client: FaenaClient,
  jobId: string,
  opts: { download: boolean; out: string },
): Promise<number> {
  const view = createProgressView(process.stderr)
  let asking = false
  const onInterrupt = async () => {
    if (asking) {
      // A second Ctrl-C while asking: leave, the job goes on.
      view.stop()
      console.error(`\nleft job ${jobId} running`)
      process.exit(EXIT.interrupted)
    }
    asking = true
    view.pause()
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    const answer = await rl.question(`\ncancel job ${jobId}? [y/N] `)
    rl.close()
    asking = false
    if (/^y(es)?$/i.test(answer.trim())) {
      await client.cancel(jobId).catch((err: Error) => console.error(`could not cancel: ${err.message}`))
      console.error('cancel requested; waiting for the job to stop')
    } else console.error(`still following job ${jobId}`)
    view.resume()
  }
  const handler = () => void onInterrupt()
  process.on('SIGINT', handler)
  let last: JobView | undefined
  try {
    for await (const job of client.follow(jobId)) {
      last = job
      view.update(job)
    }
  } finally {
    process.off('SIGINT', handler)
    view.stop()
  }
  if (!last) throw new Error(`the event stream of job ${jobId} ended without a word`)
  console.error(summary(last))
  if (last.status === 'COMPLETED') {
    const result = (last.result ?? {}) as { downloadUrl?: string }
    if (opts.download && result.downloadUrl) console.log(await download(client, jobId, opts.out))
    return EXIT.completed
  }
  return last.status === 'CANCELLED' ? EXIT.cancelled : EXIT.failed
}

function summary(job: JobView): string {
  const r = (job.result ?? {}) as Record<string, unknown>
  if (job.status === 'COMPLETED' && job.type === 'dkt-import')
    return `COMPLETED: ${r.rowsImported} rows imported into lote ${r.loteId} (${r.rowsDuplicate} duplicates, ${r.rowsInvalid} invalid)`
  if (job.status === 'COMPLETED' && r.fileName)
    return `COMPLETED: ${r.fileName}, ${r.recordsProcessed} rows, ${r.fileSizeBytes} bytes`
  if (job.status === 'COMPLETED') return 'COMPLETED'
  const e = (job.error ?? {}) as { code?: string; message?: string }
  return `${job.status}: ${e.code ?? ''} ${e.message ?? ''}`.trim()
}

async function download(client: FaenaClient, jobId: string, out: string): Promise<string> {
  const { body, fileName } = await client.download(jobId)
  const path = join(out, fileName ?? `${jobId}.bin`)
  await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream), createWriteStream(path))
  return path
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof FaenaApiError) console.error(`refused (${err.status} ${err.code}): ${err.message}`)
    else console.error(err instanceof Error ? err.message : String(err))
    process.exit(EXIT.usage)
  },
)
