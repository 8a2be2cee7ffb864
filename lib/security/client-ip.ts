// The caller's IP from X-Forwarded-For, trusting only as many hops as TRUSTED_PROXY_HOPS says:
// entries to the left of those are written by the client and can be forged.
import { isIP } from "node:net";

export function clientIp(headers: Headers, trustedProxyHops: number): string | null {
  const forwarded = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  // Next.js fills the header with the socket address only when the request has none, so with
  // no proxy a client can forge it: limits keyed on IP must never be the only line of defence.
  const candidate = forwarded[forwarded.length - 1 - trustedProxyHops] ?? headers.get("x-real-ip") ?? null;
  if (!candidate) return null;
  const bare = candidate.replace(/^::ffff:/, "");
  return isIP(bare) ? bare : null;
}
