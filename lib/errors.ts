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

/** One refused field of one item; `index` is the item's position in the list sent (from 0). */
export interface FieldError {
  index?: number;
  field: string;
  message: string;
}

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: ErrorCode,
    /** Safe to show to users and API clients. */
    readonly publicMessage: string,
    readonly details: {
      internal?: string;
      retryAfterSeconds?: number;
      field?: string;
      /** Bulk input (e.g. a payout batch): every bad item, so a client can fix them all at once. */
      errors?: FieldError[];
    } = {},
  ) {
    super(details.internal ?? publicMessage);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/**
 * Database errors that input from outside can cause, as what the client should hear: a row that
 * is not there (Prisma's P2025) is "not found"; a value PostgreSQL refuses (SQLSTATE class 22: a
 * malformed uuid, a NUL byte, a number or date out of range) is a bad request. Schemas refuse such
 * input first and name the field; this keeps any path they miss from answering 500.
 */
export function fromDatabaseError(error: unknown): AppError | null {
  if (!error || typeof error !== "object") return null;
  const { code, meta } = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: unknown } } };
  if (code === "P2025") return new AppError("not_found", "Not found.", { internal: String(error) });
  const cause = meta?.driverAdapterError?.cause as { originalCode?: unknown; code?: unknown } | undefined;
  const sqlState = String(cause?.originalCode ?? cause?.code ?? "");
  if (sqlState.startsWith("22"))
    return new AppError("bad_request", "A value in the request is not valid.", { internal: String(error) });
  return null;
}

/** `error` as an AppError when it is one or a known database refusal of bad input; else null. */
export function asAppError(error: unknown): AppError | null {
  return error instanceof AppError ? error : fromDatabaseError(error);
}

/** The JSON body for an error response; unknown errors become a plain 500 with no internals. */
export function toErrorBody(error: unknown): {
  status: number;
  body: { error: { code: string; message: string } };
} {
  const known = asAppError(error);
  if (known) {
    return { status: known.status, body: { error: { code: known.code, message: known.publicMessage } } };
  }
  return { status: 500, body: { error: { code: "internal", message: "Something went wrong on our side." } } };
}
