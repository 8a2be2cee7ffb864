// The merchant REST API's shared edge: API-key authentication, scopes, per-key rate limits, JSON errors
// as {"error":{"code","message","field"?}} and nothing internal ever leaking to a client.
import { ZodError } from "zod";
import { createPgPool, getDb } from "../db";
import { getEnv } from "../env";
import { AppError, asAppError, toErrorBody } from "../errors";
import { type Logger, withRequest } from "../logger";
import { withSpan } from "../observability/tracing";
import type { ApiScope } from "../security/api-scopes";
import { type ApiCaller, authenticateApiKey } from "../security/authenticate-api-key";
import { createLimiter, type Limiter } from "../security/rate-limit";

const globalForApi = globalThis as unknown as { malipoApiLimiters?: { key: Limiter } };

/** Per API key: 300 requests a minute. (Prompts per phone are limited in the payments core.) */
export function apiLimiters() {
  if (!globalForApi.malipoApiLimiters) {
    const env = getEnv();
    const pool = createPgPool(env.DATABASE_URL, { max: 3, name: "malipo-api-limits" });
    const off = env.DISABLE_RATE_LIMITS;
    globalForApi.malipoApiLimiters = {
      key: createLimiter(pool, { name: "api:key", points: off ? 1_000_000 : 300, durationSeconds: 60 }),
    };
  }
  return globalForApi.malipoApiLimiters;
}

export function errorResponse(error: unknown, log?: Logger): Response {
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const field = issue?.path.join(".") || undefined;
    return Response.json(
      {
        error: {
          code: "validation_failed",
          message: issue ? `${field ?? "body"}: ${issue.message}` : "Invalid request.",
          field,
        },
      },
      { status: 422 },
    );
  }
  if (error instanceof SyntaxError) {
    return Response.json(
      { error: { code: "bad_request", message: "The request body must be JSON." } },
      { status: 400 },
    );
  }
  const known = asAppError(error);
  if (!known) log?.error({ err: error }, "unhandled API error");
  else if (!(error instanceof AppError)) log?.warn({ err: error }, "database refused the request's input");
  const { status, body } = toErrorBody(known ?? error);
  const field = known?.details.field;
  const headers: Record<string, string> = {};
  if (known?.details.retryAfterSeconds) headers["Retry-After"] = String(known.details.retryAfterSeconds);
  const errors = known?.details.errors;
  return Response.json(
    { error: { ...body.error, ...(field ? { field } : {}), ...(errors?.length ? { errors } : {}) } },
    { status, headers },
  );
}

/** The optional Idempotency-Key header (empty: none), refused (400) unless 1-100 letters, digits or . _ : - */
export function readIdempotencyKey(request: Request): string | null {
  const key = request.headers.get("idempotency-key");
  if (!key) return null;
  if (!/^[\w.:-]{1,100}$/.test(key)) {
    throw new AppError("bad_request", "Idempotency-Key must be 1-100 letters, digits or . _ : -", {
      field: "Idempotency-Key",
    });
  }
  return key;
}

type Handler<P> = (ctx: { request: Request; caller: ApiCaller; params: P; log: Logger }) => Promise<Response>;

/** A route handler of the REST API, carrying the scope it needs (tests/unit/openapi.test.ts reads it). */
export type ApiRouteHandler<P> = ((
  request: Request,
  context: { params: Promise<P> },
) => Promise<Response>) & {
  readonly scope: ApiScope;
};

/**
 * The REST API's one way to write a route: `scope` is required (a key without it is refused 403
 * before the handler runs), so no route can be added that any key may call.
 */
export function apiRoute<P = Record<string, never>>(
  scope: ApiScope,
  handler: Handler<P>,
): ApiRouteHandler<P> {
  // One span per API request: an STK initiation's Daraja calls are its children.
  const route = (request: Request, context: { params: Promise<P> }): Promise<Response> =>
    withSpan(`api ${request.method}`, { "url.path": new URL(request.url).pathname }, async (span) => {
      const response = await handle(request, context);
      span.setAttribute("http.response.status_code", response.status);
      return response;
    });
  return Object.assign(route, { scope });

  async function handle(request: Request, context: { params: Promise<P> }): Promise<Response> {
    const { log, requestId } = withRequest(request.headers, { route: new URL(request.url).pathname });
    try {
      const caller = await authenticateApiKey(getDb(), request.headers.get("authorization"));
      const wait = await apiLimiters().key.consume(caller.apiKeyId);
      if (wait)
        throw new AppError("rate_limited", `Too many requests for this API key. Retry in ${wait} s.`, {
          retryAfterSeconds: wait,
        });
      if (!caller.scopes.includes(scope))
        throw new AppError(
          "forbidden",
          `This API key lacks the '${scope}' scope. Create a key with it in Settings → API keys.`,
        );
      const response = await handler({
        request,
        caller,
        params: await context.params,
        log: log.child({ apiKey: caller.prefix }),
      });
      response.headers.set("x-request-id", requestId);
      return response;
    } catch (error) {
      const response = errorResponse(error, log);
      response.headers.set("x-request-id", requestId);
      return response;
    }
  }
}
