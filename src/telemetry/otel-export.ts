// The main thread's tracer: the facade (otel.ts) over a provider that batches spans, its own
// and those its worker threads hand over with each job's outcome (adopt()), to an OTLP/HTTP
// exporter, http/protobuf or http/json. The exporter's headers and timeouts, the resource
// attributes and the batch sizes come from the standard OTEL_* variables, read by the SDK.
import { DiagLogLevel, diag } from '@opentelemetry/api'
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { facade, type PlainSpan, ReservableIds } from './otel.js'
import type { ThreadSpans, Tracing, TracingProblem, TracingSettings } from './types.js'

export function createOtelTracing(settings: TracingSettings, problem?: TracingProblem): Tracing {
  if (problem) {
    const say =
      (level: 'warn' | 'error') =>
      (message: string, ...args: unknown[]) =>
        problem(level, [message, ...args.map(String)].join(' '))
    const quiet = () => {}
    diag.setLogger(
      { error: say('error'), warn: say('warn'), info: quiet, debug: quiet, verbose: quiet },
      DiagLogLevel.WARN,
    )
  }
  const ids = new ReservableIds()
  const exporter =
    settings.protocol === 'http/json'
      ? new JsonExporter({ url: settings.url })
      : new ProtobufExporter({ url: settings.url })
  const batch = new BatchSpanProcessor(exporter)
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': settings.serviceName }))
    .merge(detectResources({ detectors: [envDetector] }))
  const provider = new NodeTracerProvider({ resource, idGenerator: ids, spanProcessors: [batch] })
  const adopt = (spans: ThreadSpans) => {
    for (const s of spans as PlainSpan[]) {
      const { context: sc, ...rest } = s
      batch.onEnd({ ...rest, spanContext: () => sc, resource })
    }
  }
  return facade(provider, ids, adopt)
}
