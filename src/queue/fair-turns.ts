import type { SqlObject } from '../db/sql-objects.js'

// Fair turns: a QUEUED job's `turn` orders it within its priority (processing_job_claim_idx is
// (status, priority, turn, created_at)), so that users take turns instead of one user's flood
// going first. Set on insert by trigger processing_job_turn, in constant time.
//
// A turn is one after the user's last turn (job_user_turn, read by primary key) and no earlier
// than just before the front of the queue of its priority. A user who floods the queue still
// takes turns with everyone who comes later; a user whose last turn is behind the front starts
// just before the front. (It was the user's last queued turn + 1, found by a per-user lookup
// whose plan depended on statistics: a bulk insert of a million jobs turned quadratic.)
//
// Within one INSERT statement the user's running turn is kept in transaction-local settings:
// the row is written by the statement's first job of that user (an upsert, which also locks it
// to the end of the transaction) and, if later rows of the statement went further, once more
// after the statement (processing_job_turn_written). Updating it for every inserted row would
// pile up row versions no one else can see yet, and each lookup would walk them all. Two
// inserts of one user are numbered one after the other; other users never wait. A re-run
// (rerun-job.ts) takes its turn the same way, from processing_job_queue_front.

/** The front of the queue of one priority (the first entry of processing_job_claim_idx), read in the index's order whatever the statistics say. */
export const queueFrontFunction: SqlObject = {
  name: 'processing_job_queue_front',
  sql: `
CREATE OR REPLACE FUNCTION processing_job_queue_front(p "JobPriority") RETURNS bigint
LANGUAGE sql STABLE
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
SELECT turn FROM processing_job
 WHERE status = 'QUEUED' AND priority = p
 ORDER BY status, priority, turn
 LIMIT 1
$$`,
}

/** Writes the statement's last turn of the cached user, when it went past what was written. */
export const turnFlushFunction: SqlObject = {
  name: 'job_user_turn_flush',
  sql: `
CREATE OR REPLACE FUNCTION job_user_turn_flush() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cached_user text := current_setting('faena.turn_user', true);
  ignored text;
BEGIN
  IF COALESCE(cached_user, '') <> '' THEN
    IF current_setting('faena.turn_last') <> current_setting('faena.turn_written') THEN
      UPDATE job_user_turn SET last_turn = current_setting('faena.turn_last')::bigint WHERE user_id = cached_user;
    END IF;
    ignored := set_config('faena.turn_user', '', true);
  END IF;
END $$`,
}

export const turnTrigger: SqlObject = {
  name: 'processing_job_turn',
  sql: `
CREATE OR REPLACE FUNCTION processing_job_turn() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  front bigint;
  ignored text;
BEGIN
  IF NEW.status <> 'QUEUED' THEN
    RETURN NEW;
  END IF;
  IF current_setting('faena.turn_user', true) = NEW.user_id THEN
    -- The statement's previous row, this user's, is queued: the front is not behind it.
    NEW.turn := current_setting('faena.turn_last')::bigint + 1;
  ELSE
    PERFORM job_user_turn_flush();
    front := processing_job_queue_front(NEW.priority) - 1;
    INSERT INTO job_user_turn AS u (user_id, last_turn) VALUES (NEW.user_id, COALESCE(front, 0))
      ON CONFLICT (user_id) DO UPDATE SET last_turn = GREATEST(u.last_turn + 1, COALESCE(front, 0))
      RETURNING last_turn INTO NEW.turn;
    ignored := set_config('faena.turn_user', NEW.user_id, true);
    ignored := set_config('faena.turn_written', NEW.turn::text, true);
  END IF;
  ignored := set_config('faena.turn_last', NEW.turn::text, true);
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER processing_job_turn
  BEFORE INSERT ON processing_job
  FOR EACH ROW EXECUTE FUNCTION processing_job_turn()`,
}

export const turnWrittenTrigger: SqlObject = {
  name: 'processing_job_turn_written',
  sql: `
CREATE OR REPLACE FUNCTION processing_job_turn_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM job_user_turn_flush();
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER processing_job_turn_written
  AFTER INSERT ON processing_job
  FOR EACH STATEMENT EXECUTE FUNCTION processing_job_turn_written()`,
}
