// HTTP to Daraja: a timeout on every call, a record of every call (redacted), and back-off with
// jitter only where a retry cannot move money twice.
import { redact } from "../../redact";
import { DarajaError, fromErrorEnvelope } from "./errors";
import { errorEnvelopeSchema } from "./wire";

export interface DarajaCallRecord {
  method: string;
  path: string;
  status: number | null;
  latencyMs: number;
  startedAt: Date;
  /** Redacted: no secrets, passwords, credentials or full phone numbers. */
  requestBody: unknown;
  responseBody: unknown;
  ids: {
    merchantRequestId?: string;
    checkoutRequestId?: string;
    conversationId?: string;
    originatorConversationId?: string;
  };
  error: string | null;
}

export interface TransportOptions {
  baseUrl: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  record?: (call: DarajaCallRecord) => void | Promise<void>;
  /** Retries after throttling or (for safe calls) network failures. */
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface DarajaRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  /** True for calls that move no money (OAuth, queries): network failures may be retried. */
  idempotent: boolean;
  /** Records this call instead of the transport's `record` (a caller writing records in bulk). */
  record?: (call: DarajaCallRecord) => void | Promise<void>;
}

const SECRET_FIELDS = new Set(["Password", "SecurityCredential", "access_token"]);

function redactBody(body: unknown): unknown {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) copy[k] = SECRET_FIELDS.has(k) ? "[redacted]" : v;
    return redact(copy);
  }
  return redact(body);
}

function idsOf(...bodies: unknown[]): DarajaCallRecord["ids"] {
  const ids: DarajaCallRecord["ids"] = {};
  for (const body of bodies) {
    if (!body || typeof body !== "object") continue;
    const b = body as Record<string, unknown>;
    const str = (k: string) => (typeof b[k] === "string" ? (b[k] as string) : undefined);
    ids.merchantRequestId ??= str("MerchantRequestID");
    ids.checkoutRequestId ??= str("CheckoutRequestID");
    ids.conversationId ??= str("ConversationID");
    ids.originatorConversationId ??= str("OriginatorConversationID") ?? str("OriginatorCoversationID");
  }
  return ids;
}

/** Errors before any byte could reach the server: always safe to retry. */
function neverReachedServer(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
}

export function createTransport(options: TransportOptions) {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;

  async function once(req: DarajaRequest): Promise<unknown> {
    const startedAt = new Date();
    const started = performance.now();
    let status: number | null = null;
    let responseBody: unknown = null;
    let failure: DarajaError | null = null;
    try {
      const response = await fetchImpl(`${options.baseUrl}${req.path}`, {
        method: req.method,
        headers: {
          Accept: "application/json",
          ...(req.body ? { "Content-Type": "application/json" } : {}),
          ...req.headers,
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      const text = await response.text();
      try {
        responseBody = text ? JSON.parse(text) : null;
      } catch {
        responseBody = text.slice(0, 500);
      }
      if (!response.ok) {
        const envelope = errorEnvelopeSchema.safeParse(responseBody);
        failure = fromErrorEnvelope(status, envelope.success ? envelope.data : {});
        throw failure;
      }
      return responseBody;
    } catch (error) {
      if (error instanceof DarajaError) throw error;
      const reached = !neverReachedServer(error);
      failure = new DarajaError({
        kind: "network",
        errorCode: (error as Error).name === "TimeoutError" ? "malipo.timeout" : "malipo.network",
        message: `No answer from Daraja (${(error as Error).message})`,
        retryable: req.idempotent || !reached,
        mayHaveReachedMpesa: reached && !req.idempotent,
        cause: error,
      });
      throw failure;
    } finally {
      await (req.record ?? options.record)?.({
        method: req.method,
        path: req.path,
        status,
        latencyMs: Math.round(performance.now() - started),
        startedAt,
        requestBody: redactBody(req.body ?? null),
        responseBody: redactBody(responseBody),
        ids: idsOf(req.body, responseBody),
        error: failure ? `${failure.errorCode}: ${failure.message}` : null,
      });
    }
  }

  /** Sends a request; retries only what is retryable, with exponential back-off and full jitter. */
  return async function send(req: DarajaRequest): Promise<unknown> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await once(req);
      } catch (error) {
        if (!(error instanceof DarajaError) || !error.retryable || attempt >= maxRetries) throw error;
        await sleep(Math.round(random() * Math.min(8_000, 250 * 2 ** attempt)));
      }
    }
  };
}

export type Send = ReturnType<typeof createTransport>;
