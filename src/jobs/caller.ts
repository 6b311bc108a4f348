/** Who is asking: a user sees their own jobs, an admin sees everyone's. */
export interface Caller {
  userId: string
  admin: boolean
  /**
   * The request's trace context (its server span, a W3C traceparent) when traces are exported:
   * a job it creates continues that trace.
   */
  trace?: string
}
