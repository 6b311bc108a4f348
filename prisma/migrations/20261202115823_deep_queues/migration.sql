-- DropIndex
DROP INDEX "processing_job_user_created_idx";

-- CreateIndex: a user's jobs newest first, ties (one bulk INSERT shares its created_at) in id
-- order, so that a page or a cursor's next page is read from the index, not sorted.
CREATE INDEX "processing_job_user_created_idx" ON "processing_job"("user_id", "created_at" DESC, "id" DESC);

-- CreateTable
CREATE TABLE "job_user_turn" (
    "user_id" TEXT NOT NULL,
    "last_turn" BIGINT NOT NULL,

    CONSTRAINT "job_user_turn_pkey" PRIMARY KEY ("user_id")
);

-- Hand-written from here on. Each user's latest turn, from the jobs already queued.
INSERT INTO "job_user_turn" ("user_id", "last_turn")
SELECT user_id, max(turn) FROM "processing_job" WHERE status = 'QUEUED' GROUP BY user_id;

-- A job's fair turn, in constant time. It was the user's last queued turn + 1, found by a
-- per-user lookup over processing_job whose plan depended on statistics: with a plan that
-- fetched and sorted every queued job of the user, a bulk insert of a million jobs turned
-- quadratic and a POST /jobs from a user with a deep queue paid for all of it.
--
-- Now a turn is one after the user's last turn (job_user_turn, read by primary key) and no
-- earlier than just before the front of the queue of its priority (the first entry of
-- processing_job_claim_idx). A user who floods the queue still takes turns with everyone who
-- comes later; a user whose last turn is behind the front starts just before the front.
--
-- Within one INSERT statement the user's running turn is kept in transaction-local settings:
-- the row is written by the statement's first job of that user (an upsert, which also locks it
-- to the end of the transaction) and, if later rows of the statement went further, once more
-- after the statement. Updating it for every inserted row would pile up row versions no one
-- else can see yet, and each lookup would walk them all. Two inserts of one user are numbered
-- one after the other; other users never wait.
CREATE FUNCTION job_user_turn_flush() RETURNS void LANGUAGE plpgsql AS $$
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
END $$;

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
    SELECT turn - 1 INTO front FROM processing_job
     WHERE status = 'QUEUED' AND priority = NEW.priority
     ORDER BY status, priority, turn LIMIT 1;
    INSERT INTO job_user_turn AS u (user_id, last_turn) VALUES (NEW.user_id, COALESCE(front, 0))
      ON CONFLICT (user_id) DO UPDATE SET last_turn = GREATEST(u.last_turn + 1, COALESCE(front, 0))
      RETURNING last_turn INTO NEW.turn;
    ignored := set_config('faena.turn_user', NEW.user_id, true);
    ignored := set_config('faena.turn_written', NEW.turn::text, true);
  END IF;
  ignored := set_config('faena.turn_last', NEW.turn::text, true);
  RETURN NEW;
END $$;

CREATE FUNCTION processing_job_turn_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM job_user_turn_flush();
  RETURN NULL;
END $$;

CREATE TRIGGER processing_job_turn_written
  AFTER INSERT ON processing_job
  FOR EACH STATEMENT EXECUTE FUNCTION processing_job_turn_written();

-- Only the old lookup used it.
DROP INDEX "processing_job_queued_turn_idx";

-- The queued jobs of each type, oldest due first: GET /metrics and /stats find the types with
-- jobs queued (a skip scan), count each up to a cap and read its oldest due job in a few
-- probes each, however deep the queue. Partial: a job leaves it when it is claimed.
CREATE INDEX "processing_job_queued_type_idx" ON "processing_job" ("type", "run_at") WHERE "status" = 'QUEUED';

-- Past the cap a count is PostgreSQL's estimate: with these statistics on the pair, not the
-- product of two independent guesses.
CREATE STATISTICS "processing_job_status_type_stats" (mcv) ON "status", "type" FROM "processing_job";
