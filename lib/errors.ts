// One error type with string codes and one table from code to HTTP status.
export const ERROR_STATUS = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  validation_failed: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: ErrorCode,
    /** Safe to show to users and API clients. */
    readonly publicMessage: string,
    readonly details: { internal?: string; retryAfterSeconds?: number; field?: string } = {},
  ) {
    super(details.internal ?? publicMessage);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** The JSON body for an error response; unknown errors become a plain 500 with no internals. */
export function toErrorBody(error: unknown): {
  status: number;
  body: { error: { code: string; message: string } };
} {
  if (error instanceof AppError) {
    return { status: error.status, body: { error: { code: error.code, message: error.publicMessage } } };
  }
  return { status: 500, body: { error: { code: "internal", message: "Something went wrong on our side." } } };
}
