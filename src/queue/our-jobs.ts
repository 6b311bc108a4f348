// The CTE every statement that changes several of this worker's jobs starts with: the rows of
// the ids in $2 still PROCESSING under worker $1, locked in id order. Two such statements (a
// batch of completions, a heartbeat, a hand-back) lock their common rows in the same order, so
// they never wait on each other in a cycle.
export const OUR_JOBS = `ours AS (
  SELECT id FROM processing_job
   WHERE id = ANY($2::text[]) AND locked_by = $1 AND status = 'PROCESSING'
   ORDER BY id
   FOR UPDATE
)`
