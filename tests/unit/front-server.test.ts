// The front server is the one place that knows the caller's address: a real HTTP server with a
// stub in Next's place, called over real sockets with forged headers.
import type { Server } from "node:http";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createFrontServer } from "@/lib/http/front-server";
import { CLIENT_IP_HEADER, clientIp, resolveClientIp } from "@/lib/security/client-ip";

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (running) await new Promise((resolve) => running.close(resolve));
});

/** Starts the front server with a stub that answers with the address Next would be handed. */
async function start(trustedProxyHops: number): Promise<number> {
  const front = createFrontServer({
    trustedProxyHops,
    fallback: (req, res) => {
      const headers = new Headers(req.headers as Record<string, string>);
      res.end(JSON.stringify({ ip: clientIp(headers), raw: req.headers[CLIENT_IP_HEADER] ?? null }));
    },
    routes: [{ prefix: "/mounted/", handle: (_req, res) => res.end("mounted") }],
  });
  server = front;
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  return (front.address() as AddressInfo).port;
}

/** A request from this machine (peer 127.0.0.1) with whatever headers a client chooses to send. */
function get(port: number, headers: Record<string, string>, path = "/"): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("front server: the caller's address", () => {
  it("without a front server in the process, trusts no address header at all (plain `next start`)", () => {
    expect(clientIp(new Headers({ [CLIENT_IP_HEADER]: "196.201.214.200" }))).toBeNull();
  });

  it("with no proxy, believes only the socket: a forged X-Forwarded-For or address header is ignored", async () => {
    const port = await start(0);
    const seen = JSON.parse(
      await get(port, { "X-Forwarded-For": "196.201.214.200", [CLIENT_IP_HEADER]: "196.201.214.206" }),
    );
    expect(seen).toEqual({ ip: "127.0.0.1", raw: "127.0.0.1" });
  });

  it("with 1 hop, takes the entry the proxy appended (the rightmost), not the client's own", async () => {
    const port = await start(1);
    const seen = JSON.parse(await get(port, { "X-Forwarded-For": "196.201.214.200, 41.90.1.2" }));
    expect(seen.ip).toBe("41.90.1.2");
  });

  it("with 2 hops, takes the entry two from the right counting the peer", async () => {
    const port = await start(2);
    const seen = JSON.parse(await get(port, { "X-Forwarded-For": "196.201.214.200, 41.90.1.2, 10.0.0.7" }));
    expect(seen.ip).toBe("41.90.1.2");
  });

  it("with fewer entries than hops, knows no address rather than guessing", async () => {
    const port = await start(2);
    const seen = JSON.parse(
      await get(port, { "X-Forwarded-For": "41.90.1.2", [CLIENT_IP_HEADER]: "1.2.3.4" }),
    );
    expect(seen).toEqual({ ip: null, raw: null });
  });

  it("answers a mounted route before the fallback (Next)", async () => {
    const port = await start(0);
    expect(await get(port, {}, "/mounted/x")).toBe("mounted");
  });
});

describe("resolveClientIp", () => {
  it("unwraps IPv4-mapped peers and refuses entries that are not addresses", () => {
    expect(resolveClientIp({ peer: "::ffff:10.1.2.3", forwardedFor: undefined, trustedProxyHops: 0 })).toBe(
      "10.1.2.3",
    );
    expect(resolveClientIp({ peer: "10.0.0.1", forwardedFor: "not-an-ip", trustedProxyHops: 1 })).toBeNull();
    expect(
      resolveClientIp({ peer: "10.0.0.1", forwardedFor: ["203.0.113.9", "10.0.0.9"], trustedProxyHops: 2 }),
    ).toBe("203.0.113.9");
  });
});
