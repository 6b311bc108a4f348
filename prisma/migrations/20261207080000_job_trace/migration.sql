-- A job's place in a trace (OpenTelemetry, src/telemetry/job-trace.ts): the span reserved for
-- the job at enqueue and who enqueued it. NULL when traces are off. A nullable column without a
-- default: adding it rewrites nothing.
ALTER TABLE "processing_job" ADD COLUMN "trace" JSONB;
