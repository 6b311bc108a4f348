// A real PgBouncer in transaction mode in front of the test PostgreSQL, for the tests of the
// production path behind a pooler. Debian's `pgbouncer` (scripts/ensure-system-packages.mjs
// installs it when missing and root). It runs in the foreground as a child of the test, with a
// configuration the test writes, on a free port; as the `postgres` OS user when we are root,
// since PgBouncer refuses to run as root. Stopped when the test ends.
import { execFileSync, spawn } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Test } from 'tap'
import { freePort } from '../../src/db/embedded-postgres.js'

export interface PgBouncer {
  /** The URL of `database` through the pooler. */
  url(database: string): string
  /** Every line PgBouncer logged so far. */
  readonly log: string[]
}

const BIN = process.env.PGBOUNCER_PATH ?? 'pgbouncer'

/** `serverUrl`: any URL of the PostgreSQL server to pool (its user and password are used). */
export async function startPgBouncer(t: Test, serverUrl: string): Promise<PgBouncer> {
  const server = new URL(serverUrl)
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'faena-pgbouncer-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const user = decodeURIComponent(server.username)
  const password = decodeURIComponent(server.password)
  const quote = (s: string) => `'${s.replaceAll("'", "''")}'`
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`)
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      // The fallback entry: any database name the client asks for, on the test server.
      `* = host=${server.hostname} port=${server.port || 5432} user=${user} password=${quote(password)}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      // node-postgres sends these startup parameters; PgBouncer refuses unknown ones.
      'ignore_startup_parameters = extra_float_digits,options',
      'max_client_conn = 400',
      'default_pool_size = 20',
      '',
    ].join('\n'),
  )
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined
  if (owner) for (const f of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, f), owner.uid, owner.gid)

  const child = spawn(BIN, [join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'], ...owner })
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT')
    await exited
  })
  const log: string[] = []
  await new Promise<void>((ok, fail) => {
    child.once('error', (err) => fail(new Error(`could not run ${BIN}: ${err.message} (install Debian's pgbouncer)`)))
    createInterface({ input: child.stderr! }).on('line', (line) => {
      log.push(line)
      if (line.includes('process up')) ok()
    })
    void exited.then(() =>
      fail(new Error(`pgbouncer exited (${child.exitCode ?? child.signalCode}) before it was up:\n${log.join('\n')}`)),
    )
  })
  return {
    url: (database) => `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    log,
  }
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}
