// The Tracing facade on the official OpenTelemetry SDK: one NodeTracerProvider per thread. A
// worker thread's provider only keeps what ends (ThreadTracing), handed to the main thread with
// the job's outcome; the main thread's exports (otel-export.ts). Loaded only when traces are on.
// The sampler comes from OTEL_TRACES_SAMPLER(_ARG), read by the SDK itself.
import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  type IdGenerator,
  RandomIdGenerator,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import type { SpanOptions, ThreadTracing, TraceAttributes, TraceSpan, Tracing } from './types.js'

const KINDS = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
}
const w3c = new W3CTraceContextPropagator()

/**
 * Random ids, except for a span recorded under an id reserved earlier: a job's span is recorded
 * when the job ends, on whichever node ends it, under the id its children already name.
 */
export class ReservableIds implements IdGenerator {
  private readonly random = new RandomIdGenerator()
  chosen: { traceId: string; spanId: string } | null = null
  generateTraceId = () => this.chosen?.traceId ?? this.random.generateTraceId()
  generateSpanId = () => this.chosen?.spanId ?? this.random.generateSpanId()
}

/** The context a traceparent names (invalid or absent: the root context). */
function contextOf(traceparent: string | null | undefined): Context {
  return traceparent ? w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter) : ROOT_CONTEXT
}

function traceparentOf(span: Span): string {
  const carrier: Record<string, string> = {}
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter)
  return carrier.traceparent ?? ''
}

function attributes(a: TraceAttributes | undefined): Attributes {
  const out: Attributes = {}
  for (const [k, v] of Object.entries(a ?? {})) if (v !== undefined && v !== null) out[k] = v
  return out
}

function wrap(span: Span): TraceSpan {
  return {
    get traceparent() {
      return traceparentOf(span)
    },
    set: (a) => void span.setAttributes(attributes(a)),
    fail: (code, message) => {
      span.setAttribute('faena.error.code', code)
      span.setStatus({ code: SpanStatusCode.ERROR, message: message ? `${code}: ${message}` : code })
    },
    end: (endTime) => span.end(endTime),
  }
}

/** A span as plain data (structured-cloneable): what a worker thread hands to the main thread. */
export interface PlainSpan extends Omit<ReadableSpan, 'spanContext' | 'resource'> {
  context: SpanContext
}

function plain(span: ReadableSpan): PlainSpan {
  const { traceId, spanId, traceFlags } = span.spanContext()
  const strip = (c: SpanContext | undefined) =>
    c && {
      traceId: c.traceId,
      spanId: c.spanId,
      traceFlags: c.traceFlags,
      ...(c.isRemote === undefined ? {} : { isRemote: c.isRemote }),
    }
  return {
    name: span.name,
    kind: span.kind,
    context: { traceId, spanId, traceFlags },
    ...(span.parentSpanContext ? { parentSpanContext: strip(span.parentSpanContext) } : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    ended: span.ended,
    status: span.status,
    attributes: span.attributes,
    links: span.links.map((l) => ({
      context: strip(l.context)!,
      ...(l.attributes ? { attributes: l.attributes } : {}),
    })),
    events: span.events,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  }
}

/** Keeps the sampled spans that end, for take(). */
class KeepEnded implements SpanProcessor {
  ended: PlainSpan[] = []
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    if (span.spanContext().traceFlags & 1) this.ended.push(plain(span))
  }
  forceFlush = () => Promise.resolve()
  shutdown = () => Promise.resolve()
}

/** The facade over one provider. */
export function facade(provider: NodeTracerProvider, ids: ReservableIds, adopt: Tracing['adopt']): Tracing {
  // The thread's context manager (AsyncLocalStorage) and W3C propagator: a job type's own code
  // may use @opentelemetry/api directly, and its spans nest under the job's.
  provider.register()
  const tracer = provider.getTracer('faena')

  const start = (name: string, o: SpanOptions, parent: Context): Span => {
    const reserved = o.reserved ? trace.getSpanContext(contextOf(o.reserved)) : undefined
    ids.chosen = reserved ? { traceId: reserved.traceId, spanId: reserved.spanId } : null
    try {
      return tracer.startSpan(
        name,
        {
          kind: KINDS[o.kind ?? 'internal'],
          ...(o.startTime === undefined ? {} : { startTime: o.startTime }),
          attributes: attributes(o.attributes),
          links: (o.links ?? []).flatMap((l) => {
            const sc = trace.getSpanContext(contextOf(l))
            return sc ? [{ context: sc }] : []
          }),
        },
        parent,
      )
    } finally {
      ids.chosen = null
    }
  }

  return {
    enabled: true,
    span: (name, o = {}) => wrap(start(name, o, contextOf(o.parent))),
    async active(name, o, fn) {
      const span = start(name, o, o.parent ? contextOf(o.parent) : context.active())
      const handle = wrap(span)
      try {
        return await context.with(trace.setSpan(context.active(), span), () => fn(handle))
      } catch (err) {
        const code = (err as { code?: unknown })?.code
        handle.fail(typeof code === 'string' ? code : 'ERROR', err instanceof Error ? err.message : String(err))
        throw err
      } finally {
        span.end()
      }
    },
    reserve(parent) {
      // Started to get its ids and sampling decision, never ended: never exported.
      const span = start('reserved', {}, contextOf(parent))
      return traceparentOf(span)
    },
    adopt,
    flush: () => provider.forceFlush(),
    close: () => provider.shutdown(),
  }
}

/** A worker thread's tracer: keeps what ends until take(). */
export function createThreadOtelTracing(): ThreadTracing {
  const kept = new KeepEnded()
  const ids = new ReservableIds()
  const tracing = facade(new NodeTracerProvider({ idGenerator: ids, spanProcessors: [kept] }), ids, () => {})
  return {
    ...tracing,
    take() {
      const spans = kept.ended
      kept.ended = []
      return spans
    },
  }
}
