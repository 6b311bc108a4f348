// The shape of the code, checked: no import cycle anywhere in the sources, type-only imports
// included (a cycle of types still ties two modules into one), and dependencies that run one way
// across the thread boundary: workers/ uses src/, never the reverse. dpdm reads the sources.

import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCircular, parseDependencyTree } from 'dpdm'
import t from 'tap'

const root = fileURLToPath(new URL('../../../', import.meta.url))

const sources = () =>
  parseDependencyTree(['src/**/*.ts', 'workers/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'], {
    cwd: root,
    context: root,
    tsconfig: join(root, 'tsconfig.json'),
    transform: false, // keep type-only imports
    exclude: /node_modules|\/generated\//, // Prisma's generated client is not ours
  })

t.test('no import cycle among src, workers, test, bench and scripts', async (t) => {
  const tree = await sources()
  t.ok(Object.keys(tree).length > 100, `${Object.keys(tree).length} modules read`)
  t.same(parseCircular(tree), [], 'no cycle')
})

t.test('nothing under src/ imports workers/', async (t) => {
  const tree = await sources()
  const reversed = Object.entries(tree)
    .filter(([file]) => file.startsWith('src/'))
    .flatMap(([file, deps]) =>
      (deps ?? []).filter((d) => d.id?.startsWith('workers/')).map((d) => `${file} -> ${d.id}`),
    )
  t.same(reversed, [])
})
