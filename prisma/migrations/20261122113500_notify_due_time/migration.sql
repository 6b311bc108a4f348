-- A job that becomes QUEUED but is due later (runAt, a retry's backoff) says when, so that
-- every dispatcher can wake up at that moment instead of at its next poll. Due now: '' (and
-- PostgreSQL folds identical notifications of one transaction into one).
CREATE OR REPLACE FUNCTION "faena_notify_queued"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('faena_jobs',
    CASE WHEN NEW."run_at" > now() THEN (extract(epoch FROM NEW."run_at") * 1000)::bigint::text ELSE '' END);
  RETURN NULL;
END;
$$;
