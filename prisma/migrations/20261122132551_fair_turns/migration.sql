-- DropIndex
DROP INDEX "processing_job_claim_idx";

-- AlterTable
ALTER TABLE "processing_job" ADD COLUMN     "turn" BIGINT NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "processing_job_claim_idx" ON "processing_job"("status", "priority", "turn", "created_at");

-- Hand-written (Prisma cannot model triggers): a job's fair turn, set when it is inserted.
-- After the user's own queued jobs; for a user with none queued, just before the front of the
-- queue (the lowest queued turn of that priority). So a user who floods the queue takes turns
-- with everyone who comes later instead of making them wait for the whole flood. Rows inserted
-- earlier by the same statement are seen: a bulk insert numbers its rows in order.
-- The index's predicate names user_id so that only queries on one user can use it: the claim
-- (all users) could otherwise pick it from a plan made while the queue was small, and then sort
-- the whole queue on every claim once it is large.
CREATE INDEX "processing_job_queued_turn_idx" ON "processing_job" ("user_id", "turn") WHERE "status" = 'QUEUED' AND "user_id" IS NOT NULL;

CREATE FUNCTION processing_job_turn() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_own bigint;
BEGIN
  IF NEW.status = 'QUEUED' THEN
    SELECT turn INTO last_own FROM processing_job
     WHERE status = 'QUEUED' AND user_id = NEW.user_id
     ORDER BY turn DESC LIMIT 1;
    IF last_own IS NOT NULL THEN
      NEW.turn := last_own + 1;
    ELSE
      NEW.turn := COALESCE((SELECT turn - 1 FROM processing_job
                             WHERE status = 'QUEUED' AND priority = NEW.priority
                             ORDER BY turn LIMIT 1), 0);
    END IF;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER processing_job_turn
  BEFORE INSERT ON processing_job
  FOR EACH ROW EXECUTE FUNCTION processing_job_turn();
