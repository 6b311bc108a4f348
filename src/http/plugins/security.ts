// Security headers on every answer (@fastify/helmet, its defaults: a strict Content-Security-
// Policy, nosniff, frame denial, HSTS...) and CORS, off unless CORS_ORIGINS names the origins a
// browser may call this API from.
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface SecurityOptions {
  /** Origins allowed to call the API from a browser; empty = no CORS headers at all. */
  corsOrigins: string[]
}

export default fp(async function security(app: FastifyInstance, opts: SecurityOptions) {
  await app.register(helmet, { global: true })
  if (opts.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: opts.corsOrigins.includes('*') ? '*' : opts.corsOrigins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
      exposedHeaders: ['location', 'x-request-id'],
      maxAge: 600,
    })
  }
}, { name: 'security' })
