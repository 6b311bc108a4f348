// Waiting on observable state: re-checks a condition until it holds or a deadline passes.
// Used where the only signal is a row in PostgreSQL; processor-side events use deferred
// promises (test/support/gates.ts) instead.
import { setImmediate as tick } from 'node:timers/promises'

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await tick()
  }
}
