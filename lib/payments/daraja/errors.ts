// One error type for everything Daraja (or the road to it) can answer.

export type DarajaErrorKind =
  | "validation" // we refused to send: the merchant's input is wrong
  | "auth" // OAuth failed: wrong consumer key/secret or product
  | "rejected" // Daraja answered with an error envelope
  | "throttled" // spike arrest / quota / 429: not processed, safe to retry later
  | "network" // no answer: timeout or connection failure
  | "protocol"; // an answer we cannot understand

export class DarajaError extends Error {
  override name = "DarajaError";
  readonly kind: DarajaErrorKind;
  /** Daraja's errorCode (e.g. `400.002.02`), or ours for local failures (e.g. `malipo.invalid_phone`). */
  readonly errorCode: string;
  readonly httpStatus: number | null;
  /** Safe to send again as it is (the request certainly did not move money). */
  readonly retryable: boolean;
  /** True when the request may have reached M-Pesa: check with a query API instead of re-sending. */
  readonly mayHaveReachedMpesa: boolean;
  readonly requestId: string | null;
  readonly field: string | null;

  constructor(init: {
    kind: DarajaErrorKind;
    errorCode: string;
    message: string;
    httpStatus?: number | null;
    retryable?: boolean;
    mayHaveReachedMpesa?: boolean;
    requestId?: string | null;
    field?: string | null;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.kind = init.kind;
    this.errorCode = init.errorCode;
    this.httpStatus = init.httpStatus ?? null;
    this.retryable = init.retryable ?? false;
    this.mayHaveReachedMpesa = init.mayHaveReachedMpesa ?? false;
    this.requestId = init.requestId ?? null;
    this.field = init.field ?? null;
  }
}

export function validationError(field: string, message: string): DarajaError {
  return new DarajaError({ kind: "validation", errorCode: `malipo.invalid_${field}`, message, field });
}

const THROTTLE_CODES = new Set(["500.003.02", "500.003.03"]);

/** Daraja's error envelope → DarajaError, deciding what is safe to retry. */
export function fromErrorEnvelope(
  status: number,
  body: { errorCode?: string; errorMessage?: string; requestId?: string },
): DarajaError {
  const errorCode = body.errorCode ?? `http.${status}`;
  const throttled = status === 429 || THROTTLE_CODES.has(errorCode);
  return new DarajaError({
    kind: throttled ? "throttled" : "rejected",
    errorCode,
    message: body.errorMessage ?? `Daraja answered HTTP ${status}`,
    httpStatus: status,
    retryable: throttled,
    requestId: body.requestId ?? null,
  });
}

/** 404.001.03 / 401.x: the bearer token is unknown or expired. */
export function isInvalidTokenError(error: unknown): boolean {
  return (
    error instanceof DarajaError &&
    (error.errorCode === "404.001.03" ||
      error.errorCode === "401.002.01" ||
      (error.httpStatus === 401 && error.errorCode !== "401.003.01"))
  );
}
