// How the CLI shows a job while following it: a progress bar with the server's ETA on a
// terminal (cli-progress), one plain line per change of status or message otherwise (logs, CI).
import cliProgress from 'cli-progress'
import type { JobView } from '../jobs/job-view.js'

export interface ProgressView {
  update(job: JobView): void
  pause(): void
  resume(): void
  stop(): void
}

const eta = (s: number | null) =>
  s === null ? '--' : s < 90 ? `${s}s` : s < 5400 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`

export function createProgressView(stream: NodeJS.WriteStream): ProgressView {
  return stream.isTTY ? barView(stream) : lineView(stream)
}

function barView(stream: NodeJS.WriteStream): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {percentage}% | {status} | ETA {eta} | {message}',
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  let lastJob: JobView | undefined
  const payload = (job: JobView) => ({ status: job.status, eta: eta(job.etaSeconds), message: job.message ?? '' })
  return {
    update(job) {
      lastJob = job
      if (!started) {
        bar.start(100, job.progress, payload(job))
        started = true
      } else bar.update(job.progress, payload(job))
    },
    pause() {
      if (started) bar.stop()
      started = false
    },
    resume() {
      if (lastJob) this.update(lastJob)
    },
    stop() {
      if (started) bar.stop()
      started = false
    },
  }
}

function lineView(stream: NodeJS.WriteStream): ProgressView {
  let said = ''
  return {
    update(job) {
      const line = `${job.status} ${job.progress}%${job.etaSeconds !== null ? ` ETA ${eta(job.etaSeconds)}` : ''}${job.message ? ` ${job.message}` : ''}`
      const key = `${job.status}|${job.message}|${Math.floor(job.progress / 10)}`
      if (key !== said) stream.write(`${line}\n`)
      said = key
    },
    pause() {},
    resume() {},
    stop() {},
  }
}
