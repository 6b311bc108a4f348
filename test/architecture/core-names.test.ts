// Job types are plugins: the core folders name none of them, built-in or test-only, and none
// of the business vocabulary that belongs to one (lotes, DKT files, KPI exports, audit rows).
// What a type needs from the core it declares in its definition (src/jobs/registry.ts).
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { jobTypes } from '../../src/job-types/index.js'
import { testJobTypes } from '../processors/index.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const CORE = [
  'src/jobs',
  'src/execution',
  'src/queue',
  'src/http',
  'src/operators',
  'src/db',
  'src/config',
  'src/reports',
  'prisma',
]
/**
 * The core's migrations up to the release that gave job types their own schemas: applied on
 * existing databases and never edited (their checksums are recorded), they still create the
 * tables the job types now own. Every later one is checked.
 */
const HISTORY_UNTIL = 'prisma/migrations/20261207120000'
/** Word beginnings: lote matches lotes and loteDeleted. */
const VOCABULARY = ['dkt', 'kpi', 'lote', 'auditoria', 'resumen_tarjeta']

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const builtIn = jobTypes.map((d) => d.name)
const names = [...new Set([...builtIn, ...testJobTypes.map((d) => d.name)])]
// A type's name as a string or a path segment ('sleep', "/kpi-export/"), a built-in type's
// hyphenated name anywhere, or a word of a type's vocabulary.
const naming = new RegExp(
  [
    `(['"\`/])(${names.map(escapeRegex).join('|')})(['"\`/])`,
    `\\b(${builtIn
      .filter((n) => n.includes('-'))
      .map(escapeRegex)
      .join('|')})\\b`,
    `\\b(${VOCABULARY.join('|')})`,
  ].join('|'),
  'i',
)

const sourcesUnder = (dir: string): string[] =>
  readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && /\.(ts|sql|prisma)$/.test(d.name))
    .map((d) => relative(root, join(d.parentPath, d.name)))
    .filter((file) => !file.startsWith('prisma/migrations/') || file.slice(0, HISTORY_UNTIL.length) > HISTORY_UNTIL)

t.test('the core folders name no job type', async (t) => {
  const files = CORE.flatMap(sourcesUnder)
  t.ok(files.length > 40, `${files.length} core files read`)
  const hits = files.flatMap((file) =>
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .flatMap((line, i) => (naming.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
  )
  t.same(hits, [], 'lines naming a job type')
})

t.test('the check finds a name where there is one', async (t) => {
  for (const line of [
    `type: 'sleep'`,
    `import x from '../job-types/kpi-export/index.js'`,
    '// a DKT import',
    'loteDeleted',
    'the data-report type',
  ]) {
    t.ok(naming.test(line), line)
  }
  t.notOk(naming.test('the sleeping thread reports progress'), 'ordinary words pass')
})
