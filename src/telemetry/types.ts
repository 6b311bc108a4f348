// The shapes of traces as faena's code sees them (tracing.ts), apart from the loader so that the
// implementation (otel.ts) and everything else import them without a cycle.

export type TraceAttributes = Record<string, string | number | boolean | null | undefined>

export interface SpanOptions {
  /** The parent's W3C traceparent; none: the span starts a trace. */
  parent?: string | null
  kind?: 'server' | 'client' | 'producer' | 'consumer' | 'internal'
  /** Epoch milliseconds; default now. */
  startTime?: number
  attributes?: TraceAttributes
  /** traceparents of spans this one follows from (a re-run from the run before it). */
  links?: string[]
  /** The span's own traceparent, reserved before (reserve()): a job's span, recorded at its end. */
  reserved?: string
}

export interface TraceSpan {
  /** This span's W3C traceparent: what a child elsewhere names as its parent. */
  readonly traceparent: string
  set(attributes: TraceAttributes): void
  /** Marks the span failed: status ERROR, faena.error.code. */
  fail(code: string, message?: string): void
  /** Ends it (at `endTime`, epoch ms; default now). */
  end(endTime?: number): void
}

export interface Tracing {
  readonly enabled: boolean
  span(name: string, options?: SpanOptions): TraceSpan | null
  /**
   * Runs `fn` in a span that is the active one meanwhile (its children nest under it): the
   * parent is options.parent, else the active span. `fn`'s failure is recorded and rethrown.
   */
  active<T>(name: string, options: SpanOptions, fn: (span: TraceSpan) => Promise<T>): Promise<T>
  /** A traceparent for a span that will be recorded later (span({reserved})), sampled as now. */
  reserve(parent?: string | null): string | null
  /** Exports what has ended. */
  flush(): Promise<void>
  /** Exports spans a worker thread recorded (ThreadTracing.take()), as this thread's own. */
  adopt(spans: ThreadSpans): void
  /** Exports what has ended and stops. */
  close(): Promise<void>
}

/** Where traces go: from the standard OTEL_* variables (config/schema.ts). */
export interface TracingSettings {
  /** OTLP/HTTP URL of traces. */
  url: string
  protocol: 'http/protobuf' | 'http/json'
  serviceName: string
}

/** Ended spans of a worker thread, as plain data that crosses to the main thread with the job's outcome. */
export type ThreadSpans = unknown[]

/**
 * A worker thread's tracer: its spans are not exported from the thread (Piscina pauses an idle
 * thread, and each thread would hold its own exporter and connections) but kept until take(),
 * and returned with the job's outcome; the main thread exports them (Tracing.adopt()).
 */
export interface ThreadTracing extends Tracing {
  /** The spans ended since the last call. */
  take(): ThreadSpans
}

/** What the SDK reports of its own trouble (an export that failed, a collector that is down). */
export type TracingProblem = (level: 'warn' | 'error', message: string) => void
