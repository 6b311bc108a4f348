// The claim-ahead policy on its own (no database): how many jobs to claim, in what order they
// start, and when a held job goes back.
import t from 'tap'
import { createClaimAhead } from '../../src/execution/claim-ahead.js'
import type { ClaimedJob } from '../../src/queue/index.js'

let seq = 0
function job(id: string, priority = 'NORMAL', turn = 0): ClaimedJob {
  return {
    id,
    type: 'noop',
    userId: 'u',
    parameters: {},
    attempts: 1,
    maxAttempts: 1,
    timeoutMs: 1000,
    startedAt: new Date(),
    priority,
    turn,
    createdAt: new Date(1_000 + seq++),
  }
}

t.test('nothing is claimed ahead before this node has seen how long jobs take', async (t) => {
  const ahead = createClaimAhead({ max: 32, windowMs: 25 })
  t.equal(ahead.want(2, 2, 0), 2, 'only the idle threads')
  t.equal(ahead.want(0, 2, 0), 0)
})

t.test('short jobs fill the buffer up to max; long ones, or a long job running now, stop it', async (t) => {
  const ahead = createClaimAhead({ max: 32, windowMs: 25 })
  ahead.ran(1)
  t.equal(ahead.want(2, 2, 0), 2 + 32, '1 ms jobs: 50 would finish within the window, capped at 32')
  ahead.add([job('a'), job('b')])
  t.equal(ahead.want(0, 2, 0), 30, 'what is held counts')
  t.equal(ahead.want(0, 2, 5_000), 0, 'a job running for 5 s: claim nothing ahead')
  const slow = createClaimAhead({ max: 32, windowMs: 25 })
  slow.ran(10)
  t.equal(slow.want(1, 2, 0), 1 + 5, '10 ms jobs on 2 threads: 5 within 25 ms')
  for (let i = 0; i < 30; i++) slow.ran(2_000)
  t.equal(slow.want(1, 2, 0), 1, 'jobs of seconds: only the idle thread')
  t.equal(createClaimAhead({ max: 0, windowMs: 25 }).want(2, 2, 0), 2, 'max 0 turns it off')
})

t.test("held jobs start in the queue order, a later claim's urgent job first", async (t) => {
  const ahead = createClaimAhead({ max: 8, windowMs: 25 })
  ahead.add([job('n1', 'NORMAL', 1), job('n2', 'NORMAL', 2), job('low', 'LOW', 0)])
  ahead.add([job('high', 'HIGH', 9), job('n0', 'NORMAL', 0)])
  t.same(
    [1, 2, 3, 4, 5].map(() => ahead.take()?.id),
    ['high', 'n0', 'n1', 'n2', 'low'],
  )
  t.equal(ahead.take(), undefined)
})

t.test('remove, stale and drain take jobs out for good', async (t) => {
  let clock = 0
  const ahead = createClaimAhead({ max: 8, windowMs: 25, now: () => clock })
  ahead.add([job('a'), job('b')])
  clock = 500
  ahead.add([job('c')])
  t.equal(ahead.remove('b')?.id, 'b')
  t.equal(ahead.remove('b'), undefined, 'only once')
  clock = 1_001
  t.same(
    ahead.stale().map((j) => j.id),
    ['a'],
    'held longer than 40 windows (1 s)',
  )
  t.same(ahead.ids(), ['c'])
  t.same(
    ahead.drain().map((j) => j.id),
    ['c'],
  )
  t.equal(ahead.size, 0)
})
