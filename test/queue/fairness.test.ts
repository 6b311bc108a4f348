// Fairness between users: one user's flood of queued jobs does not hold back another user's
// job for more than the job already running; users who both have jobs queued take turns.
import pg from 'pg'
import t from 'tap'
import { createTestDatabase } from '../support/database.js'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'

t.test(
  "a user's 50 queued jobs do not delay another user's job beyond the one running; then turns alternate",
  async (t) => {
    const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1 } })
    const gates = openGates(t)
    const submit = async (user: string, key: string) => {
      const res = await f.as(user).post('/jobs', { type: 'gate', parameters: { key } })
      t.equal(res.statusCode, 202, res.body)
    }
    const next = async () => (await gates.nextOf('started')).key

    await submit('alice', 'a0')
    t.equal(await next(), 'a0')
    for (let i = 1; i <= 50; i++) await submit('alice', `a${i}`)
    await submit('bob', 'b1')

    gates.finish('a0')
    t.equal(await next(), 'b1', "bob's job runs right after the one that was running, not after alice's 50")
    gates.finish('b1')
    t.equal(await next(), 'a1')

    await submit('bob', 'b2')
    await submit('bob', 'b3')
    const order: string[] = []
    for (const running of ['a1', 'b2', 'a2', 'b3', 'a3']) {
      gates.finish(running)
      order.push(await next())
    }
    t.same(order, ['b2', 'a2', 'b3', 'a3', 'a4'], 'with both queued, users take turns; then alice goes on')
    for (let i = 4; i <= 50; i++) gates.finish(`a${i}`)
  },
)

t.test('priority still comes first: a HIGH job of the flooding user goes before a NORMAL one of another', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1 } })
  const gates = openGates(t)
  const submit = (user: string, key: string, priority = 'NORMAL') =>
    f.as(user).post('/jobs', { type: 'gate', parameters: { key }, priority })
  await submit('alice', 'first')
  t.equal((await gates.nextOf('started')).key, 'first')
  await submit('bob', 'bob-normal')
  await submit('alice', 'alice-high', 'HIGH')
  gates.finish('first')
  t.equal((await gates.nextOf('started')).key, 'alice-high')
  gates.finish('alice-high')
  t.equal((await gates.nextOf('started')).key, 'bob-normal')
  gates.finish('bob-normal')
})

t.test(
  'turns in SQL: a bulk insert numbers its rows in order, per user, and the next insert goes on from there',
  async (t) => {
    const url = await createTestDatabase(t)
    const db = new pg.Client({ connectionString: url })
    await db.connect()
    t.teardown(() => db.end())
    const insert = (prefix: string, users: string[]) =>
      db.query(
        `INSERT INTO processing_job (id, type, user_id) SELECT $1 || i, 'noop', u FROM unnest($2::text[]) WITH ORDINALITY AS x(u, i)`,
        [prefix, users],
      )
    const turns = async (prefix: string) =>
      (
        await db.query(`SELECT id, turn::int FROM processing_job WHERE id LIKE $1 || '%' ORDER BY length(id), id`, [
          prefix,
        ])
      ).rows.map((r) => `${r.id}:${r.turn}`)
    const last = async () =>
      Object.fromEntries(
        (await db.query('SELECT user_id, last_turn::int FROM job_user_turn')).rows.map((r) => [r.user_id, r.last_turn]),
      )

    await insert('a', ['alice', 'alice', 'alice'])
    t.same(await turns('a'), ['a1:0', 'a2:1', 'a3:2'], "one user's rows in order")
    t.same(await last(), { alice: 2 }, 'her last turn is written once the statement ends')
    await insert('m', ['bob', 'alice', 'bob', 'alice'])
    t.same(
      await turns('m'),
      ['m1:-1', 'm2:3', 'm3:0', 'm4:4'],
      'users mixed in one statement: each goes on from its own last turn; a newcomer starts just before the front',
    )
    t.same(await last(), { alice: 4, bob: 0 })
    await db.query('BEGIN')
    await insert('t', ['carol'])
    await insert('u', ['carol'])
    await db.query('COMMIT')
    t.same([...(await turns('t')), ...(await turns('u'))], ['t1:-2', 'u1:-1'], 'two statements of one transaction')
    await db.query(`UPDATE processing_job SET status = 'COMPLETED' WHERE user_id = 'carol'`)
    await insert('v', ['carol'])
    t.same(
      await turns('v'),
      ['v1:0'],
      'a user whose jobs have all run goes on after her last turn when the front is further back',
    )
    await db.query(
      `UPDATE processing_job SET status = 'COMPLETED' WHERE id IN ('m1', 'm3', 'a1', 'a2', 'a3', 'm2', 'm4', 'v1')`,
    )
    await insert('w', ['dave', 'bob'])
    t.same(await turns('w'), ['w1:0', 'w2:1'], 'with nothing queued a newcomer gets 0; bob goes on after his last turn')
  },
)
