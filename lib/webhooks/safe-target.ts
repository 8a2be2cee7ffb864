// Where webhook requests may go. In production only public addresses: loopback, private,
// link-local (cloud metadata), unique-local, CGNAT and other special ranges are refused, both for
// an address in the URL and for every address DNS answers, and the check runs again inside the
// connection's own lookup, so a name that resolves publicly once and privately later (DNS
// rebinding) is still refused when the socket connects.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";

const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // CGNAT (also Alibaba's metadata address)
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local: 169.254.169.254 is the cloud metadata service
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 96], // ::, ::1 and IPv4-compatible ::a.b.c.d (::127.0.0.1 is written ::7f00:1)
  ["64:ff9b::", 96], // NAT64 can reach any IPv4 address, private ones included
  ["64:ff9b:1::", 48], // local-use NAT64 (RFC 8215), the same
  ["100::", 64],
  ["2001::", 32], // Teredo: an IPv4 address (and port) inside
  ["2001:db8::", 32],
  ["2002::", 16], // 6to4: 2002:AABB:CCDD:: wraps the IPv4 address AA.BB.CC.DD, private ones too
  ["fc00::", 7], // unique-local (fd00:ec2::254 is AWS's IPv6 metadata address)
  ["fec0::", 10], // site-local: deprecated, still private where it is used
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  blocked.addSubnet(net, prefix, "ipv6");
}

/** Whether `address` (an IP literal) is a public one a webhook may reach in production. */
export function isPublicAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, "");
  const family = isIP(ip);
  if (family === 0) return false;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped?.[1]) return isPublicAddress(mapped[1]);
    if (/^::ffff:/i.test(ip)) return false;
    return !blocked.check(ip, "ipv6");
  }
  return !blocked.check(ip, "ipv4");
}

export class UnsafeTargetError extends Error {
  override name = "UnsafeTargetError";
}

/**
 * Refuses a URL a webhook may never have: not http(s), http in production, or (in production) an
 * address literal that is not public. Names are checked when they resolve (guardedLookup).
 */
export function assertAllowedUrl(raw: string, options: { production: boolean }): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeTargetError("The URL is not valid.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new UnsafeTargetError("The URL must start with https://.");
  if (options.production && url.protocol !== "https:") throw new UnsafeTargetError("The URL must use https.");
  if (url.username || url.password) throw new UnsafeTargetError("The URL must not carry a user or password.");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (options.production && isIP(host) !== 0 && !isPublicAddress(host))
    throw new UnsafeTargetError("The URL must be a public address.");
  return url;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http(s).request: resolves the name and refuses the connection when any answer
 * is not public. It runs for every connection, so the address connected to is the one checked.
 */
export function guardedLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string } | number,
  callback: LookupCallback,
): void {
  const family = typeof options === "number" ? options : Number(options.family ?? 0) || 0;
  const all = typeof options === "object" && options.all === true;
  dnsLookup(hostname, { all: true, family }, (error, addresses) => {
    if (error) return callback(error, all ? [] : "", 0);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused || addresses.length === 0) {
      const err: NodeJS.ErrnoException = new UnsafeTargetError(
        `${hostname} resolves to an address webhooks may not reach.`,
      );
      err.code = "EUNSAFETARGET";
      return callback(err, all ? [] : "", 0);
    }
    if (all) return callback(null, addresses);
    const first = addresses[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
}
