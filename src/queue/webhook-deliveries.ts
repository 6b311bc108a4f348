// The webhook_delivery table: events written by jobs' final transitions (trigger
// processing_job_webhook_event, below), claimed by the deliverers of any node with a lease, and
// their outcome written back guarded by the claimer. A deliverer that dies mid-attempt leaves
// its lease to expire; the event is then claimed again (at-least-once, one webhook-id).
import type { SqlObject } from '../db/sql-objects.js'
import type { Queryable } from './types.js'

// The event is written by the job's final transition itself, in its transaction: a process that
// dies right after the transition still has it delivered, by whichever node comes next. The job
// as it ended is kept with it (`job`); the body is made from it at the first attempt and sent
// unchanged on every retry. The id is the event's webhook-id. Jobs without a callback pay
// nothing: the trigger's condition is read from the row.
export const webhookEventTrigger: SqlObject = {
  name: 'processing_job_webhook_event',
  sql: `
CREATE OR REPLACE FUNCTION processing_job_webhook_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_delivery (id, job_id, url, event, occurred_at, job, next_attempt_at)
  VALUES ('msg_' || replace(gen_random_uuid()::text, '-', ''), NEW.id, NEW.callback_url,
          'job.' || lower(NEW.status::text), now(), to_jsonb(NEW), now());
  PERFORM pg_notify('faena_webhooks', '');
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER processing_job_webhook_event
  AFTER UPDATE OF status ON processing_job
  FOR EACH ROW
  WHEN (NEW.callback_url IS NOT NULL AND NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION processing_job_webhook_event()`,
}

export interface DueDelivery {
  id: string
  jobId: string
  url: string
  event: string
  occurredAt: Date
  /** The job row as it ended (to_jsonb of processing_job). */
  job: Record<string, unknown>
  /** Null until the first attempt made it. */
  body: string | null
  /** Attempts made before this one. */
  attempts: number
}

const CLAIM = `
WITH due AS (
  SELECT id FROM webhook_delivery
   WHERE status = 'PENDING' AND next_attempt_at <= now()
     AND (lease_expires_at IS NULL OR lease_expires_at < now())
   ORDER BY next_attempt_at
   LIMIT $2
   FOR UPDATE SKIP LOCKED
)
UPDATE webhook_delivery d
   SET locked_by = $1, lease_expires_at = now() + make_interval(secs => $3::int / 1000.0)
  FROM due
 WHERE d.id = due.id
RETURNING d.id, d.job_id, d.url, d.event, d.occurred_at, d.job, d.body, d.attempts`

// Delivered or failed: the attempt counted, the body kept for the next attempt, the lease let
// go. $4 NULL: delivered; else the error, and $5 when to try again (NULL: given up, FAILED).
const SETTLE = `
UPDATE webhook_delivery
   SET attempts = attempts + 1,
       body = COALESCE(body, $3),
       status = CASE WHEN $4::text IS NULL THEN 'DELIVERED'::"WebhookStatus"
                     WHEN $5::timestamptz IS NULL THEN 'FAILED'::"WebhookStatus"
                     ELSE 'PENDING'::"WebhookStatus" END,
       delivered_at = CASE WHEN $4::text IS NULL THEN now() END,
       last_error = $4,
       next_attempt_at = COALESCE($5::timestamptz, next_attempt_at),
       locked_by = NULL, lease_expires_at = NULL
 WHERE id = $1 AND locked_by = $2`

const LATEST_OF_JOBS = `
SELECT DISTINCT ON (job_id) job_id, status::text, attempts, last_error, delivered_at
  FROM webhook_delivery
 WHERE job_id = ANY($1::text[])
 ORDER BY job_id, occurred_at DESC`

export async function claimDeliveries(
  db: Queryable,
  worker: string,
  limit: number,
  leaseMs: number,
): Promise<DueDelivery[]> {
  const { rows } = await db.query({ name: 'faena_claim_webhooks', text: CLAIM, values: [worker, limit, leaseMs] })
  return rows.map((r) => ({
    id: r.id,
    jobId: r.job_id,
    url: r.url,
    event: r.event,
    occurredAt: r.occurred_at,
    job: r.job,
    body: r.body,
    attempts: r.attempts,
  }))
}

/** `error` null: delivered. Otherwise `retryAt` null: given up. False when the lease was lost. */
export async function settleDelivery(
  db: Queryable,
  worker: string,
  id: string,
  body: string,
  error: string | null,
  retryAt: Date | null,
): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'faena_settle_webhook',
    text: SETTLE,
    values: [id, worker, body, error, retryAt],
  })
  return rowCount === 1
}

export interface DeliveryState {
  status: 'PENDING' | 'DELIVERED' | 'FAILED'
  attempts: number
  lastError: string | null
  deliveredAt: Date | null
}

/** Each job's latest event's delivery. */
export async function latestDeliveries(db: Queryable, jobIds: string[]): Promise<Map<string, DeliveryState>> {
  const out = new Map<string, DeliveryState>()
  if (jobIds.length === 0) return out
  const { rows } = await db.query({ text: LATEST_OF_JOBS, values: [jobIds] })
  for (const r of rows)
    out.set(r.job_id, { status: r.status, attempts: r.attempts, lastError: r.last_error, deliveredAt: r.delivered_at })
  return out
}
