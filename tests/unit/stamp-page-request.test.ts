// What Next is handed and what the browser gets: the front server stamps each page and API request
// with its request id and Content-Security-Policy (lib/http/stamp-page-request.ts). A real HTTP
// server with a stub in Next's place, called over a real socket.
import type { Server } from "node:http";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createFrontServer } from "@/lib/http/front-server";
import { stampPageRequest } from "@/lib/http/stamp-page-request";

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (running) await new Promise((resolve) => running.close(resolve));
});

/** The front server with a stub for Next that answers with the two headers it was handed. */
async function start(dev = false): Promise<number> {
  const front = createFrontServer({
    trustedProxyHops: 0,
    fallback: (req, res) => {
      stampPageRequest(req, res, { dev });
      res.end(
        JSON.stringify({
          requestId: req.headers["x-request-id"] ?? null,
          csp: req.headers["content-security-policy"] ?? null,
        }),
      );
    },
  });
  server = front;
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  return (front.address() as AddressInfo).port;
}

type Seen = { requestId: string | null; csp: string | null };
function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ seen: Seen; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ seen: JSON.parse(body), headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

const nonceOf = (csp: unknown) => /'nonce-([A-Za-z0-9+/=]{22,})'/.exec(String(csp))?.[1];

describe("front server: request id and Content-Security-Policy", () => {
  it("gives a page a fresh id and a policy with a fresh nonce, the same on the request Next reads and the response", async () => {
    const port = await start();
    const first = await get(port, "/payments?status=paid");
    const second = await get(port, "/payments");
    expect(first.seen.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers["x-request-id"]).toBe(first.seen.requestId);
    expect(first.headers["content-security-policy"]).toBe(first.seen.csp);
    expect(nonceOf(first.seen.csp)).toBeDefined();
    expect(first.seen.csp).toContain("'strict-dynamic'");
    expect(first.seen.csp).not.toContain("unsafe-eval");
    expect(nonceOf(second.seen.csp)).not.toBe(nonceOf(first.seen.csp));
    expect(second.seen.requestId).not.toBe(first.seen.requestId);
  });

  it("keeps a well-formed X-Request-Id from the edge and replaces a malformed one", async () => {
    const port = await start();
    expect((await get(port, "/api/v1/payments", { "X-Request-Id": "edge-abc.123:4" })).seen.requestId).toBe(
      "edge-abc.123:4",
    );
    const forged = await get(port, "/", { "X-Request-Id": "short" });
    expect(forged.seen.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("never lets a client choose the nonce: a policy sent with the request is replaced", async () => {
    const port = await start();
    const { seen } = await get(port, "/", {
      "Content-Security-Policy": "script-src 'nonce-AAAAAAAAAAAAAAAAAAAAAA=='",
    });
    expect(nonceOf(seen.csp)).not.toBe("AAAAAAAAAAAAAAAAAAAAAA==");
  });

  it("allows eval and the reload websocket in development only", async () => {
    const { seen } = await get(await start(true), "/");
    expect(seen.csp).toContain("'unsafe-eval'");
    expect(seen.csp).toContain("ws:");
  });

  it("leaves build assets, public files, Daraja callbacks and hooks alone", async () => {
    const port = await start();
    for (const path of [
      "/_next/static/chunks/main.js",
      "/_next/image?url=%2Fx.png&w=64&q=75",
      "/favicon.ico",
      "/robots.txt",
      "/icon-192.png",
      "/api/mpesa/stk/00000000-0000-0000-0000-000000000000/secret",
      "/api/hooks/test",
    ]) {
      const { seen, headers } = await get(port, path);
      expect(seen, path).toEqual({ requestId: null, csp: null });
      expect(headers["content-security-policy"], path).toBeUndefined();
    }
    // A page whose name merely starts like a public file is still a page.
    expect((await get(port, "/robots.txt-ish")).seen.csp).not.toBeNull();
  });
});
