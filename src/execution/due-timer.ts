// Wake-ups for jobs due later (a job's runAt, a retry's backoff), announced by NOTIFY with their
// due time: one timer, armed for the soonest. The dispatcher's poll covers what is not kept here
// (beyond maxTimes, or missed notifications).
export interface DueTimer {
  /** Calls onDue at `dueAt` (epoch ms), or now if that is past. */
  add(dueAt: number): void
  /** Idempotent: no more calls. */
  stop(): void
}

export function createDueTimer(onDue: () => void, maxTimes = 10_000): DueTimer {
  /** Times at which queued jobs fall due, soonest first. */
  const dueTimes: number[] = []
  let armed: { at: number; timer: NodeJS.Timeout } | undefined
  let stopped = false

  function arm(): void {
    const next = dueTimes[0]
    if (stopped || next === undefined || (armed && armed.at <= next)) return
    if (armed) clearTimeout(armed.timer)
    const timer = setTimeout(
      () => {
        armed = undefined
        while (dueTimes.length > 0 && dueTimes[0]! <= Date.now()) dueTimes.shift()
        onDue()
        arm()
      },
      next - Date.now() + 5,
    ) // a few ms late rather than early: run_at <= now() must hold
    timer.unref()
    armed = { at: next, timer }
  }

  return {
    add(dueAt) {
      if (stopped) return
      if (dueAt <= Date.now()) return onDue()
      if (dueTimes.length >= maxTimes || dueTimes.includes(dueAt)) return
      dueTimes.push(dueAt)
      dueTimes.sort((a, b) => a - b)
      arm()
    },
    stop() {
      stopped = true
      if (armed) clearTimeout(armed.timer)
      armed = undefined
    },
  }
}
