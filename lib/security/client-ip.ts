// The caller's real address. Only the front server (lib/http/front-server.ts) sees the socket, so
// it alone decides the address and hands it to Next in one header; everything else reads that.
import { isIP } from "node:net";

/** Set by the front server on every request, after deleting whatever the client sent in it. */
export const CLIENT_IP_HEADER = "x-malipo-client-ip";

// A process-wide mark rather than a header or env value: nothing a client sends can set it, so
// under a plain `next start` (no front server) a forged header is ignored and callers get null.
const FRONT_SERVER = Symbol.for("malipo.front-server");
const marks = globalThis as unknown as Record<symbol, boolean | undefined>;

/** Declares that this process's requests come through the front server (it calls this itself). */
export function trustClientIpHeader(): void {
  marks[FRONT_SERVER] = true;
}

function bareIp(value: string | undefined): string | null {
  const bare = value?.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  return bare && isIP(bare) ? bare : null;
}

/**
 * The client's address from the socket's peer and X-Forwarded-For. Each trusted proxy appends the
 * address it received the request from, so with N proxies the client is N entries from the right
 * of the list with the peer appended; anything further left was written by the client. With no
 * proxies it is the peer itself. Too few entries, or one that is not an IP: null (never a guess).
 */
export function resolveClientIp(options: {
  peer: string | undefined;
  forwardedFor: string | string[] | undefined;
  trustedProxyHops: number;
}): string | null {
  if (options.trustedProxyHops === 0) return bareIp(options.peer);
  const forwarded = [options.forwardedFor ?? []]
    .flat()
    .flatMap((header) => header.split(","))
    .map((entry) => entry.trim())
    .filter(Boolean);
  const hops = [...forwarded, options.peer ?? ""];
  return bareIp(hops[hops.length - 1 - options.trustedProxyHops]);
}

/**
 * The caller's IP as the front server determined it, or null when unknown (no front server in
 * this process, or no trustworthy address): allowlists then refuse and limits key on "unknown".
 */
export function clientIp(headers: Headers): string | null {
  if (!marks[FRONT_SERVER]) return null;
  return bareIp(headers.get(CLIENT_IP_HEADER) ?? undefined);
}
