import type { SqlObject } from '../db/sql-objects.js'

// Each user's active jobs (QUEUED + PROCESSING), counted as they change rather than when a limit
// is checked: the active-job limit costs the same at any depth of the user's queue. (It counted
// the user's active rows up to the limit on every enqueue: 196 ms for a user with a million
// jobs, against 5 ms on an empty queue.)
//
// The counts are kept by statement triggers on processing_job, whoever writes it (this release,
// an older node, a bulk INSERT or DELETE by hand): each statement adds, per user, the jobs it
// made active less those it made inactive, from its transition tables, in one row write per
// user. A statement that changes no job's activity (progress, a lease renewed, a claim) writes
// nothing. Writers add to the shard of their connection (pg_backend_pid() % 16): jobs of one
// user ending on many connections at once do not queue for one row.
//
// The limit is exact across nodes: an admission (faena_lock_active_jobs) takes a transaction
// lock on the user's admissions before it reads the sum of the shards, and releases it at
// commit, once its own job is counted. An ending job whose commit the sum has not seen yet only
// makes the limit stricter for an instant, never looser.
//
// Creating the triggers counts what is already there, in the same transaction, with writes to
// processing_job held off (SHARE ROW EXCLUSIVE) until it commits: no write falls between the
// count and the first trigger. A TRUNCATE of processing_job empties the counts.
const ACTIVE = `('QUEUED', 'PROCESSING')`

/**
 * Adds a statement's change to the counts: per user, +1 for each active row it left (new_jobs)
 * and -1 for each active row it found (old_jobs), from the transition tables it has.
 */
const addChange = (tables: Array<'new_jobs' | 'old_jobs'>) => `
    INSERT INTO job_user_active AS a (user_id, shard, jobs)
    SELECT user_id, pg_backend_pid() % 16, sum(d) FROM (
      ${tables.map((t) => `SELECT user_id, ${t === 'new_jobs' ? 1 : -1} AS d FROM ${t} WHERE status IN ${ACTIVE}`).join('\n      UNION ALL\n      ')}
    ) moved
     GROUP BY user_id
    HAVING sum(d) <> 0
    ON CONFLICT (user_id, shard) DO UPDATE SET jobs = a.jobs + EXCLUDED.jobs;`

export const activeCountTrigger: SqlObject = {
  name: 'processing_job_active_count',
  sql: `
LOCK TABLE processing_job IN SHARE ROW EXCLUSIVE MODE;

CREATE OR REPLACE FUNCTION processing_job_active_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM job_user_active;
  ELSIF TG_OP = 'INSERT' THEN${addChange(['new_jobs'])}
  ELSIF TG_OP = 'DELETE' THEN${addChange(['old_jobs'])}
  ELSE${addChange(['new_jobs', 'old_jobs'])}
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER processing_job_active_insert
  AFTER INSERT ON processing_job REFERENCING NEW TABLE AS new_jobs
  FOR EACH STATEMENT EXECUTE FUNCTION processing_job_active_count();
CREATE OR REPLACE TRIGGER processing_job_active_update
  AFTER UPDATE ON processing_job REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
  FOR EACH STATEMENT EXECUTE FUNCTION processing_job_active_count();
CREATE OR REPLACE TRIGGER processing_job_active_delete
  AFTER DELETE ON processing_job REFERENCING OLD TABLE AS old_jobs
  FOR EACH STATEMENT EXECUTE FUNCTION processing_job_active_count();
CREATE OR REPLACE TRIGGER processing_job_active_truncate
  AFTER TRUNCATE ON processing_job
  FOR EACH STATEMENT EXECUTE FUNCTION processing_job_active_count();

DELETE FROM job_user_active;
INSERT INTO job_user_active (user_id, shard, jobs)
SELECT user_id, 0, count(*) FROM processing_job WHERE status IN ${ACTIVE} GROUP BY user_id`,
}

/**
 * A user's active jobs, read after taking the transaction lock on their admissions (see
 * above): whoever adds or re-runs a job of the user after this call waits for this transaction.
 * VOLATILE, so that the sum is read with a snapshot taken after the lock was granted.
 */
export const lockActiveJobsFunction: SqlObject = {
  name: 'faena_lock_active_jobs',
  sql: `
CREATE OR REPLACE FUNCTION faena_lock_active_jobs(p_user_id text) RETURNS int
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(1717658980, hashtext(p_user_id)); -- 'faad': admissions
  SELECT COALESCE(sum(jobs), 0) INTO n FROM job_user_active WHERE user_id = p_user_id;
  RETURN n;
END $$`,
}
