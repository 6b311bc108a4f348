// The test side of test/processors/gate.ts: await what a gate processor announces, tell it to
// finish or fail. Every wait is a deferred promise resolved by a message.
import type { Test } from 'tap'
import { GATE_CHANNEL, type GateCommand, type GateEvent } from '../processors/gate-channel.js'

export interface Gates {
  next(key: string, event: GateEvent['event']): Promise<GateEvent>
  /** The next `event` (from any gate) not returned by an earlier call. */
  nextOf(event: GateEvent['event']): Promise<GateEvent>
  finish(key: string): void
  fail(key: string): void
  /** Every event seen so far, in order. */
  readonly seen: GateEvent[]
}

export function openGates(t: Test): Gates {
  const channel = new BroadcastChannel(GATE_CHANNEL)
  const seen: GateEvent[] = []
  const waiters: { key: string; event: string; resolve: (e: GateEvent) => void }[] = []
  const consumed = new Set<GateEvent>()
  const anyWaiters: { event: string; resolve: (e: GateEvent) => void }[] = []
  channel.onmessage = (m: MessageEvent) => {
    const e = m.data as GateEvent | GateCommand
    if (!('event' in e)) return
    seen.push(e)
    const any = anyWaiters.findIndex((w) => w.event === e.event)
    if (any >= 0) {
      consumed.add(e)
      anyWaiters.splice(any, 1)[0]!.resolve(e)
    }
    for (const w of waiters.splice(0)) {
      if (w.key === e.key && w.event === e.event) w.resolve(e)
      else waiters.push(w)
    }
  }
  t.teardown(() => channel.close())
  const command = (key: string, c: GateCommand['command']) =>
    channel.postMessage({ key, command: c } satisfies GateCommand)
  return {
    seen,
    next(key, event) {
      const already = seen.find((e) => e.key === key && e.event === event)
      if (already) return Promise.resolve(already)
      return new Promise((resolve) => waiters.push({ key, event, resolve }))
    },
    nextOf(event) {
      const unread = seen.find((e) => e.event === event && !consumed.has(e))
      if (unread) {
        consumed.add(unread)
        return Promise.resolve(unread)
      }
      return new Promise((resolve) => anyWaiters.push({ event, resolve }))
    },
    finish: (key) => command(key, 'finish'),
    fail: (key) => command(key, 'fail'),
  }
}
