// node dist/bench/peers/standalone.js <graphile-worker|pg-boss> <database url> <per-job|batched> <jobs>
//
// A peer on its own, as its users would run it and as issue 18 measured it: its own process,
// the jobs inserted before its workers start, the same configuration and measurement bench/queue.ts
// gives it in its own process (graphile.ts, pg-boss.ts). Prints `<jobs/s>` on its last line:
// bench:queue runs it to cross-check its figure for the peer.
import { graphileThroughput, type PeerMode } from './graphile.js'
import { pgBossThroughput } from './pg-boss.js'

const [peer, url, mode, count] = process.argv.slice(2)
const jobs = Number(count)
const seconds =
  peer === 'pg-boss' ? await pgBossThroughput(url!, jobs) : await graphileThroughput(url!, mode as PeerMode, jobs)
console.log(String(jobs / seconds))
