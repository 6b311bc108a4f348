// The shape of the code, checked: no import cycle anywhere in the sources, type-only imports
// included (a cycle of types still ties two modules into one). dpdm reads the TypeScript sources.
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { parseCircular, parseDependencyTree } from 'dpdm'
import t from 'tap'

const root = fileURLToPath(new URL('../../../', import.meta.url))

t.test('no import cycle among src, workers, test, bench and scripts', async (t) => {
  const tree = await parseDependencyTree(['src/**/*.ts', 'workers/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'], {
    cwd: root,
    context: root,
    tsconfig: join(root, 'tsconfig.json'),
    transform: false, // keep type-only imports
    exclude: /node_modules|\/generated\//, // Prisma's generated client is not ours
  })
  t.ok(Object.keys(tree).length > 100, `${Object.keys(tree).length} modules read`)
  t.same(parseCircular(tree), [], 'no cycle')
})
