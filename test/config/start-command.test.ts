// The server is started with the same Node.js flags and environment everywhere: `npm start`, the Dockerfile,
// and the benchmarks and tests (SERVER_NODE_FLAGS); and those flags do what they are there for.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/server-node-flags.js'

const root = new URL('../../../', import.meta.url)

t.test('npm start and the Dockerfile start the server with SERVER_NODE_FLAGS and SERVER_ENV', async (t) => {
  const { scripts } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    scripts: Record<string, string>
  }
  const env = Object.entries(SERVER_ENV).map(([k, v]) => `${k}=${v}`)
  // exec: the shell npm runs the script in becomes the server, so npm's signals reach it.
  t.equal(scripts.start, `exec env ${env.join(' ')} node ${SERVER_NODE_FLAGS.join(' ')} dist/src/server.js`)
  t.equal(scripts.prestart, 'npm run build', 'npm start builds first')
  const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8')
  t.same(JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]'), [
    'node',
    ...SERVER_NODE_FLAGS,
    'dist/src/server.js',
  ])
  for (const line of env) t.match(dockerfile, new RegExp(`^\\s+${line}( \\\\)?$`, 'm'), `Dockerfile ENV ${line}`)
})

t.test(
  'the API thread keeps a small young generation; worker threads get their own, of the size their job type asks for',
  async (t) => {
    // A process started like the server makes a pool as the server does, and reports the young
    // generation of its main thread and of a worker thread, after both allocated.
    const probe = new URL('dist/test/support/young-generation-probe.js', root)
    const { stdout } = await promisify(execFile)(process.execPath, [...SERVER_NODE_FLAGS, fileURLToPath(probe)])
    const { main, worker, writer } = JSON.parse(stdout) as { main: number; worker: number; writer: number }
    const MB = 1024 * 1024
    t.ok(main <= 4 * MB, `API thread: ${main / MB} MB of new space`)
    t.ok(worker >= 16 * MB, `worker thread: ${worker / MB} MB of new space`)
    t.ok(
      worker <= 32 * MB,
      "a default worker thread keeps V8's default size (2 x 16 MB), not the larger one another job type asks for",
    )
    t.ok(
      writer >= 2 * worker,
      `a thread asked for a 96 MB young generation (XLSX writers): ${writer / MB} MB of new space, twice the default`,
    )
  },
)
