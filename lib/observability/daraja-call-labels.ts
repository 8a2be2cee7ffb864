import type { DarajaCallRecord } from "../payments/daraja/transport";

/**
 * Bounded labels for a Daraja call: `api` from the path without `/mpesa/` and version segments
 * (stkpush_processrequest, b2c_paymentrequest, oauth_generate, …); `result` the ResponseCode
 * M-Pesa returned ("0" accepted), else the error code (Daraja's `400.002.02`, `http.500`,
 * `malipo.timeout`, `malipo.network`).
 */
export function darajaCallLabels(
  call: Pick<DarajaCallRecord, "path" | "error" | "responseBody" | "status">,
): {
  api: string;
  result: string;
} {
  const segments = (call.path.split("?")[0] ?? "")
    .split("/")
    .filter((segment) => segment && segment !== "mpesa" && !/^v\d+$/.test(segment));
  const api =
    segments
      .join("_")
      .replace(/[^a-z0-9_]/gi, "")
      .toLowerCase() || "unknown";
  const body = call.responseBody as Record<string, unknown> | null;
  const responseCode = body && typeof body === "object" ? body.ResponseCode : undefined;
  let result: string;
  if (call.error) result = call.error.split(":")[0] ?? "error";
  else if (typeof responseCode === "string" || typeof responseCode === "number")
    result = String(responseCode);
  else result = call.status === null ? "no_answer" : call.status < 400 ? "0" : `http.${call.status}`;
  return { api, result: result.slice(0, 40) };
}
