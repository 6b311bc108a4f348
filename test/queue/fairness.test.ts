// Fairness between users: one user's flood of queued jobs does not hold back another user's
// job for more than the job already running; users who both have jobs queued take turns.
import t from 'tap'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'

t.test("a user's 50 queued jobs do not delay another user's job beyond the one running; then turns alternate", async (t) => {
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
})

t.test('priority still comes first: a HIGH job of the flooding user goes before a NORMAL one of another', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1 } })
  const gates = openGates(t)
  const submit = (user: string, key: string, priority = 'NORMAL') => f.as(user).post('/jobs', { type: 'gate', parameters: { key }, priority })
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
