// Structured JSON logs (pino). Every record passes through redact(), so secrets and full phone
// numbers never reach a log line whatever a caller passes. Use `withRequest` for request ids.
import pino, { type Logger } from "pino";
import { getEnv } from "./env";
import { traceFields } from "./observability/tracing";
import { redact } from "./redact";

export type { Logger };

export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  return pino(
    {
      name: options.name ?? "malipo",
      level: options.level ?? "info",
      base: { service: options.name ?? "malipo" },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: "msg",
      // The active trace's ids, so a log line can be found from its trace and back.
      mixin: traceFields,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object) as Record<string, unknown>,
      },
      hooks: {
        // Messages are free text too: mask any phone number that slipped into one.
        logMethod(args, method) {
          const masked = args.map((arg) => (typeof arg === "string" ? (redact(arg) as string) : arg));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}

const globalForLogger = globalThis as unknown as { malipoLogger?: Logger };

/** The process-wide logger, at LOG_LEVEL (info while the environment itself is invalid). */
export function getLogger(): Logger {
  if (!globalForLogger.malipoLogger) {
    let level = "info";
    try {
      level = getEnv().LOG_LEVEL;
    } catch {
      // Logging must still work when env validation is what failed.
    }
    globalForLogger.malipoLogger = createLogger({ level });
  }
  return globalForLogger.malipoLogger;
}

/**
 * withRequest's logger for a request that seldom logs (a Daraja callback): the child logger is
 * made at the first line written, not on every request.
 */
export function lazyRequestLog(
  headers: Headers,
  bindings: Record<string, unknown> = {},
): { warn(fields: object, message: string): void; error(fields: object, message: string): void } {
  let log: Logger | undefined;
  const get = () => {
    log ??= withRequest(headers, bindings).log;
    return log;
  };
  return {
    warn: (fields, message) => get().warn(fields, message),
    error: (fields, message) => get().error(fields, message),
  };
}

/**
 * A child logger carrying the request id from `x-request-id` (the front server sets it:
 * lib/http/stamp-page-request.ts) or a new one.
 */
export function withRequest(
  headers: Headers,
  bindings: Record<string, unknown> = {},
): { log: Logger; requestId: string } {
  const requestId = headers.get("x-request-id") ?? crypto.randomUUID();
  return { log: getLogger().child({ requestId, ...bindings }), requestId };
}
