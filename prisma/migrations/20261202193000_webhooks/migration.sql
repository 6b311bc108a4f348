-- Completion webhooks: a job created with a callbackUrl gets one delivery row per final state it
-- reaches (a re-run's end is another event).
ALTER TABLE "processing_job" ADD COLUMN "callback_url" TEXT;

-- CreateEnum
CREATE TYPE "WebhookStatus" AS ENUM ('PENDING', 'DELIVERED', 'FAILED');

-- CreateTable
CREATE TABLE "webhook_delivery" (
    "id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "job" JSONB NOT NULL,
    "body" TEXT,
    "status" "WebhookStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "locked_by" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_delivery_job_idx" ON "webhook_delivery"("job_id", "occurred_at" DESC);

-- AddForeignKey
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "processing_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written from here on. The deliveries due, soonest first: what the deliverers claim.
CREATE INDEX "webhook_delivery_due_idx" ON "webhook_delivery" ("next_attempt_at") WHERE "status" = 'PENDING';

-- The event is written by the job's final transition itself, in its transaction: a process that
-- dies right after the transition still has it delivered, by whichever node comes next. The job
-- as it ended is kept with it (`job`); the body is made from it at the first attempt and sent
-- unchanged on every retry. The id is the event's webhook-id. Jobs without a callback pay
-- nothing: the trigger's condition is read from the row.
CREATE FUNCTION processing_job_webhook_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_delivery (id, job_id, url, event, occurred_at, job, next_attempt_at)
  VALUES ('msg_' || replace(gen_random_uuid()::text, '-', ''), NEW.id, NEW.callback_url,
          'job.' || lower(NEW.status::text), now(), to_jsonb(NEW), now());
  PERFORM pg_notify('faena_webhooks', '');
  RETURN NULL;
END $$;

CREATE TRIGGER processing_job_webhook_event
  AFTER UPDATE OF status ON processing_job
  FOR EACH ROW
  WHEN (NEW.callback_url IS NOT NULL AND NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION processing_job_webhook_event();
