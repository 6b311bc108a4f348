// An owner's schema (a job type's tables, in a folder of its own): its migrations are applied
// after the core's, once per database even when nodes start together, recorded under the owner;
// a failing file stops the start naming it and leaves nothing of that start behind; a file
// changed after it was applied is refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t, { type Test } from 'tap'
import { withClient } from '../../src/db/ensure-database.js'
import { migrateApart } from '../../src/db/migrate.js'
import { ownerSchema, type SchemaOwner } from '../../src/db/owner-migrations.js'
import { createTestDatabase } from '../support/database.js'
import { startPgBouncer } from '../support/pgbouncer.js'

function ownerFolder(t: Test, files: Record<string, string>): { dir: string; owner: SchemaOwner } {
  const dir = mkdtempSync(join(tmpdir(), 'faena-owner-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return {
    dir,
    owner: {
      name: 'acme',
      migrations: pathToFileURL(`${dir}/`),
      sqlObjects: [
        {
          name: 'acme_count',
          sql: 'CREATE OR REPLACE FUNCTION acme_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM acme_thing $$',
        },
      ],
    },
  }
}

const FIRST = {
  '0001_things.sql': 'CREATE TABLE acme_thing (id int PRIMARY KEY, label text NOT NULL);',
  '0002_seed.sql': "INSERT INTO acme_thing VALUES (1, 'one');",
}

t.test('two nodes starting at once through a pooler apply each file once, after the core', async (t) => {
  const direct = await createTestDatabase(t)
  const name = new URL(direct).pathname.slice(1)
  const pooler = await startPgBouncer(t, process.env.FAENA_TEST_ADMIN_URL!)
  const { owner } = ownerFolder(t, FIRST)
  const reports = await Promise.all([
    migrateApart(pooler.url(name), [ownerSchema(owner)]),
    migrateApart(pooler.url(name), [ownerSchema(owner)]),
  ])
  t.same(
    reports.map((r) => r.migrations).sort((a, b) => b.length - a.length),
    [['acme/0001_things.sql', 'acme/0002_seed.sql'], []],
    'one node applied both files, the other none',
  )
  t.same(
    reports.flatMap((r) => r.sqlObjects),
    ['acme/acme_count'],
    'its function once',
  )
  const { rows } = await withClient(direct, (c) =>
    c.query(
      `SELECT acme_count()::int AS n, (SELECT array_agg(name ORDER BY name) FROM faena_migration WHERE owner = 'acme') AS files`,
    ),
  )
  t.same(rows[0], { n: 1, files: ['0001_things.sql', '0002_seed.sql'] })
})

t.test(
  'a new file is applied alone; a failing one is named and leaves nothing; a changed one is refused',
  async (t) => {
    const url = await createTestDatabase(t)
    const { dir, owner } = ownerFolder(t, FIRST)
    await migrateApart(url, [ownerSchema(owner)])

    writeFileSync(join(dir, '0003_more.sql'), "INSERT INTO acme_thing VALUES (2, 'two');")
    t.same((await migrateApart(url, [ownerSchema(owner)])).migrations, ['acme/0003_more.sql'])

    writeFileSync(join(dir, '0004_ok.sql'), 'CREATE TABLE acme_other (id int);')
    writeFileSync(join(dir, '0005_broken.sql'), 'INSERT INTO acme_thing VALUES (3, NULL);')
    await t.rejects(migrateApart(url, [ownerSchema(owner)]), {
      message: new RegExp(
        `^migrations failed: acme: the migration ${join(dir, '0005_broken.sql')} failed: null value in column "label"`,
      ),
    })
    const { rows } = await withClient(url, (c) =>
      c.query(
        `SELECT to_regclass('acme_other') IS NULL AS rolled_back, (SELECT count(*)::int FROM faena_migration WHERE owner = 'acme') AS recorded`,
      ),
    )
    t.same(rows[0], { rolled_back: true, recorded: 3 }, "the start's other changes went with it")

    rmSync(join(dir, '0004_ok.sql'))
    rmSync(join(dir, '0005_broken.sql'))
    writeFileSync(join(dir, '0002_seed.sql'), "INSERT INTO acme_thing VALUES (1, 'uno');")
    await t.rejects(migrateApart(url, [ownerSchema(owner)]), {
      message: /acme: the migration .*0002_seed\.sql was changed after it was applied; add a new file instead/,
    })
  },
)
