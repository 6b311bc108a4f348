// The process tree as Linux shows it in /proc: which processes a process started (at any depth,
// detached ones included), and whether they are still there.
import { readdirSync, readFileSync } from 'node:fs'

interface Stat {
  pid: number
  ppid: number
  state: string
}

function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; it ends at the last ')'.
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { pid, ppid: Number(ppid), state: state! }
  } catch {
    return null // gone meanwhile
  }
}

function all(): Stat[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter((s): s is Stat => s !== null)
}

/** Every process below `pid`, at any depth. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const s of all()) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid])
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c)
      queue.push(c)
    }
  }
  return out
}

/** Those of `pids` still running (a zombie has ended: it only waits to be reaped). */
export function alive(pids: number[]): number[] {
  return pids.filter((p) => {
    const s = stat(p)
    return s !== null && s.state !== 'Z' && s.state !== 'X'
  })
}

/** A process's command line, for messages. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    return `(pid ${pid}, gone)`
  }
}
