-- One active (queued or running) unforced import per user and file: two identical uploads at
-- the same moment cannot both start. Hand-written: Prisma's schema cannot express a partial
-- index on a JSON expression (see the comment on ProcessingJob in schema.prisma).
CREATE UNIQUE INDEX "processing_job_dkt_active_file_idx"
    ON "processing_job" ("user_id", ("parameters"->>'sha256'))
 WHERE "type" = 'dkt-import'
   AND "status" IN ('QUEUED', 'PROCESSING')
   AND ("parameters"->>'force') IS DISTINCT FROM 'true';
