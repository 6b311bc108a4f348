// Functions and triggers are applied from their files at start: what the database runs is the
// text in src/, an unchanged object is not applied again, a changed one is, once, and a broken
// one stops the start naming it with nothing of it left behind.
import t from 'tap'
import { withClient } from '../../src/db/ensure-database.js'
import { applySqlObjects, type SqlObject } from '../../src/db/sql-objects.js'
import { queueSqlObjects } from '../../src/queue/sql-objects.js'
import { createTestDatabase } from '../support/database.js'

const answer = (n: number): SqlObject => ({
  name: 'test_answer',
  sql: `CREATE OR REPLACE FUNCTION test_answer() RETURNS int LANGUAGE sql AS $$ SELECT ${n} $$`,
})

t.test("every function the queue's SQL objects declare runs, in the database, the body its file holds", async (t) => {
  const url = await createTestDatabase(t)
  const declared = queueSqlObjects.flatMap((o) =>
    [...o.sql.matchAll(/CREATE OR REPLACE FUNCTION (\w+)\(/g)].map((m) => ({ object: o, fn: m[1]! })),
  )
  t.ok(declared.length >= 8, `${declared.length} functions declared`)
  const { rows } = await withClient(url, (c) =>
    c.query<{ proname: string; prosrc: string }>(
      `SELECT proname, prosrc FROM pg_proc WHERE proname = ANY($1) AND pronamespace = 'public'::regnamespace`,
      [declared.map((d) => d.fn)],
    ),
  )
  for (const { object, fn } of declared) {
    // A function may have an older overload beside it for a release (expand, then contract).
    const inDb = rows.filter((r) => r.proname === fn)
    t.ok(
      inDb.some((r) => object.sql.includes(r.prosrc)),
      `${fn}: the database runs the text of ${object.name}`,
    )
  }
})

t.test('an object is applied when its text changes, once; a broken one names itself and leaves nothing', async (t) => {
  const url = await createTestDatabase(t)
  await withClient(url, async (c) => {
    t.same(await applySqlObjects(c, 'test', [answer(1)]), ['test_answer'], 'new: applied')
    t.same(await applySqlObjects(c, 'test', [answer(1)]), [], 'unchanged: not applied again')
    t.same(await applySqlObjects(c, 'test', [answer(2)]), ['test_answer'], 'changed: applied')
    t.same((await c.query('SELECT test_answer() AS n')).rows[0], { n: 2 })
    t.same(await applySqlObjects(c, 'other', [answer(2)]), ['test_answer'], 'owners keep their own records')

    const broken: SqlObject = { name: 'test_broken', sql: 'CREATE OR REPLACE FUNCTION test_broken( RETURNS' }
    await c.query('BEGIN')
    await t.rejects(applySqlObjects(c, 'test', [answer(3), broken]), {
      message: /^test: the SQL object "test_broken" failed: syntax error/,
    })
    await c.query('ROLLBACK')
    t.same((await c.query('SELECT test_answer() AS n')).rows[0], { n: 2 }, 'rolled back with its transaction')
    await t.rejects(applySqlObjects(c, 'test', [answer(4), answer(5)]), { message: /"test_answer" is declared twice/ })
  })
})
