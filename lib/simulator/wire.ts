// Small pieces of Daraja's wire format that every part of the simulator shares.
import type { ServerResponse } from "node:http";
import * as ids from "./ids";

/** A request Daraja refuses: answered as its `{ requestId, errorCode, errorMessage }` envelope. */
export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly requestId = ids.requestId(),
  ) {
    super(message);
  }
}

export const invalid = (field: string) => new WireError(400, "400.002.02", `Bad Request - Invalid ${field}`);
export const MSISDN = /^254[17]\d{8}$/;
export const TIMESTAMP = /^\d{14}$/;
export const kes = (cents: number) => (cents / 100).toFixed(2);

/** Numeric codes as JSON numbers (as Daraja sends them in callbacks), others (R000001) as strings. */
export function wireCode(code: string): string | number {
  return /^\d+$/.test(code) ? Number(code) : code;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
