// OpenTelemetry tracing. Spans are made through @opentelemetry/api, which is a no-op until a
// tracer provider is registered; startTracing registers one only when an OTLP endpoint is set
// (the standard OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), so with no
// exporter configured no SDK is loaded and a span costs next to nothing. Attributes carry ids
// (payment, payout, inbox entry, Daraja request ids), never secrets, phone numbers or bodies.
//
// One trace follows a payment or payout from initiation to webhook although M-Pesa's callback
// arrives without trace headers: the initiating span's W3C traceparent is stored on the row
// (currentTraceparent) and the work that continues it later runs under it (withStoredTrace).
import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  type Link,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-node";
import { redactText } from "../redact";

export const tracer = trace.getTracer("malipo");

const holder = globalThis as unknown as { malipoTracing?: Promise<boolean> };

/** The OTEL_* variables read here (validated in lib/env.ts). */
export interface TracingEnv {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  OTEL_SERVICE_NAME?: string;
  OTEL_SDK_DISABLED?: string;
  OTEL_TRACES_EXPORTER?: string;
}

/** Whether the environment asks for traces to be exported (and has not disabled the SDK). */
export function tracingRequested(env: TracingEnv): boolean {
  if (env.OTEL_SDK_DISABLED === "true" || env.OTEL_TRACES_EXPORTER === "none") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Registers a tracer provider exporting over OTLP/HTTP when the environment asks for it; once per
 * process. The exporter reads the other OTEL_* variables itself (headers, timeout, protocol path).
 */
export function startTracing(env: TracingEnv): Promise<boolean> {
  holder.malipoTracing ??= (async () => {
    if (!tracingRequested(env)) return false;
    const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
      await Promise.all([
        import("@opentelemetry/sdk-trace-node"),
        import("@opentelemetry/exporter-trace-otlp-http"),
        import("@opentelemetry/resources"),
      ]);
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME ?? "malipo" }),
      spanProcessors: [redactingProcessor(new BatchSpanProcessor(new OTLPTraceExporter()))],
    });
    provider.register();
    return true;
  })();
  return holder.malipoTracing;
}

/**
 * Cleans every span before `next` exports it: Next's own request span records the path
 * (`http.target`), and a callback's path ends in the merchant's callback secret; exception messages
 * may carry phone numbers. String attributes (the span's and its events') go through redactText.
 */
export function redactingProcessor(next: SpanProcessor): SpanProcessor {
  const clean = (attributes: Attributes | undefined) => {
    if (!attributes) return;
    for (const [key, value] of Object.entries(attributes)) {
      if (typeof value === "string") attributes[key] = redactText(value);
      else if (Array.isArray(value))
        attributes[key] = value.map((v) => (typeof v === "string" ? redactText(v) : v)) as typeof value;
    }
  };
  return {
    onStart: (span, parentContext) => next.onStart(span, parentContext),
    onEnd: (span: ReadableSpan) => {
      // An ended span's attributes are read-only by type only; they are cleaned in place.
      clean(span.attributes as Attributes);
      for (const event of span.events) clean(event.attributes);
      if (span.status.message)
        (span.status as { message?: string }).message = redactText(span.status.message);
      next.onEnd(span);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}

/** Runs `work` inside an active span (children and log lines join it); records a thrown error. */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, (span) => runIn(span, work));
}

async function runIn<T>(span: Span, work: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await work(span);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

const w3c = new W3CTraceContextPropagator();

/**
 * Whether a tracer provider is registered (startTracing, or a test's): when not, nothing is worth
 * looking up to continue a trace.
 */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer("malipo") !== undefined;
}

/**
 * The active span as a W3C traceparent, to store on a row whose story continues later; null unless
 * a span is actually recording (tracing off, or not sampled), so nothing is stored for nothing.
 */
export function currentTraceparent(): string | null {
  if (!trace.getActiveSpan()?.isRecording()) return null;
  const carrier: Record<string, string> = {};
  w3c.inject(context.active(), carrier, defaultTextMapSetter);
  return carrier.traceparent ?? null;
}

/** The context a stored traceparent names, or null when there is none or it does not parse. */
function storedContext(traceparent: string | null | undefined): Context | null {
  if (!traceparent) return null;
  const extracted = w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
  const parent = trace.getSpanContext(extracted);
  return parent && trace.isSpanContextValid(parent) ? extracted : null;
}

/**
 * Runs `work` in a span whose parent is the stored `traceparent` (a payment's, payout's or event's),
 * so work that resumes later (a callback's settlement, a follow-up query, a webhook) joins the trace
 * that started it. The span links to the trace active here (a callback request's own), which stays
 * separate. With no usable traceparent it is an ordinary span under the active one.
 */
export function withStoredTrace<T>(
  traceparent: string | null | undefined,
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = storedContext(traceparent);
  if (!parent) return withSpan(name, attributes, work);
  const here = trace.getActiveSpan()?.spanContext();
  const links: Link[] =
    here && trace.isSpanContextValid(here) && here.traceId !== trace.getSpanContext(parent)?.traceId
      ? [{ context: here, attributes: { "malipo.link": "triggered_by" } }]
      : [];
  return tracer.startActiveSpan(name, { attributes, links }, parent, (span) => runIn(span, work));
}

/** A span for something already finished (a Daraja call reported after the fact), under the active span. */
export function recordFinishedSpan(
  name: string,
  options: { start: Date; durationMs: number; attributes: Attributes; error?: string | null },
): void {
  const span = tracer.startSpan(name, { startTime: options.start, attributes: options.attributes });
  if (options.error) span.setStatus({ code: SpanStatusCode.ERROR, message: options.error });
  span.end(new Date(options.start.getTime() + options.durationMs));
}

/** The active trace and span ids, for log lines (empty when no span is recording). */
export function traceFields(): { traceId?: string; spanId?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !trace.isSpanContextValid(context)) return {};
  return { traceId: context.traceId, spanId: context.spanId };
}
