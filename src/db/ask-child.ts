// A request to a forked child process and its one answer over the IPC channel: how the embedded
// PostgreSQL is started (embedded-postgres.ts) and how migrations are run (migrate.ts).
import type { ChildProcess, Serializable } from 'node:child_process'

/**
 * Sends `request` to `child` and resolves with its first message. Rejects with `failure(why)` if
 * the child exits or cannot be started before answering, or once `timeoutMs` has passed.
 */
export function askChild<T>(
  child: ChildProcess,
  request: Serializable,
  failure: (why: string) => Error,
  timeoutMs?: number,
): Promise<T> {
  return new Promise((ok, fail) => {
    const settle = (err: Error | undefined, answer?: T): void => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      child.off('error', onError)
      if (err) fail(err)
      else ok(answer as T)
    }
    const onMessage = (msg: T): void => settle(undefined, msg)
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      settle(failure(`it exited (${signal ?? `code ${code}`})`))
    const onError = (err: Error): void => settle(failure(err.message))
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => settle(failure(`no answer within ${timeoutMs} ms`)), timeoutMs)
    child.on('message', onMessage)
    child.once('exit', onExit)
    child.once('error', onError)
    child.send(request)
  })
}
