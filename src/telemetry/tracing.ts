// Traces, as faena's code sees them: a small facade over OpenTelemetry. With no OTLP endpoint
// configured (tracingSettings() is null) it is NO_TRACING, and no OpenTelemetry SDK is loaded:
// openTracing() imports the implementation (otel.ts) only when traces are on.
// Spans cross processes and threads as W3C traceparent strings: stored with a job, passed to
// its worker thread, sent with its webhook.
import type { Config } from '../config/schema.js'
import type { ThreadTracing, TraceSpan, Tracing, TracingProblem, TracingSettings } from './types.js'

export type {
  SpanOptions,
  ThreadSpans,
  ThreadTracing,
  TraceAttributes,
  TraceSpan,
  Tracing,
  TracingProblem,
  TracingSettings,
} from './types.js'

/** The settings, or null: traces are off (nothing set, OTEL_SDK_DISABLED, or OTEL_TRACES_EXPORTER=none). */
export function tracingSettings(config: Config): TracingSettings | null {
  if (config.OTEL_SDK_DISABLED || config.OTEL_TRACES_EXPORTER === 'none') return null
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT
  if (!config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT && !base && config.OTEL_TRACES_EXPORTER !== 'otlp') return null
  const url =
    config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${(base ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`
  return {
    url,
    protocol: config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? config.OTEL_EXPORTER_OTLP_PROTOCOL,
    serviceName: config.OTEL_SERVICE_NAME,
  }
}

const NO_SPAN: TraceSpan = { traceparent: '', set() {}, fail() {}, end() {} }

/** Traces off: every call does nothing. */
export const NO_TRACING: Tracing = {
  enabled: false,
  span: () => null,
  active: (_name, _options, fn) => fn(NO_SPAN),
  reserve: () => null,
  adopt: () => {},
  flush: async () => {},
  close: async () => {},
}

/**
 * The tracer of this thread: NO_TRACING without settings, else the OpenTelemetry SDK, loaded
 * now. `problem`: where the SDK's warnings and errors go (unheard without it).
 */
export async function openTracing(
  settings: TracingSettings | null | undefined,
  problem?: TracingProblem,
): Promise<Tracing> {
  if (!settings) return NO_TRACING
  const { createOtelTracing } = await import('./otel-export.js')
  return createOtelTracing(settings, problem)
}

/** A worker thread's tracer, for the traced jobs it runs: the SDK without an exporter, loaded now. */
export async function openThreadTracing(): Promise<ThreadTracing> {
  const { createThreadOtelTracing } = await import('./otel.js')
  return createThreadOtelTracing()
}
