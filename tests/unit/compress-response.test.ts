// The front server gzips what Next answers in one step (lib/http/compress-response.ts). A real HTTP
// server, with a stub in Next's place that writes the way Next does (headers flushed before the
// first chunk, the body in several writes, waiting for `drain`), called over a real socket.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { createGunzip, gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { acceptsGzip, compressResponse, HOLD_LIMIT } from "@/lib/http/compress-response";
import { createFrontServer } from "@/lib/http/front-server";

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (running) await new Promise((resolve) => running.close(resolve));
});

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;
/** What the stub in Next's place saw of the request. */
let seenAcceptEncoding: string | undefined;

async function start(handler: Handler): Promise<number> {
  const front = createFrontServer({
    trustedProxyHops: 0,
    fallback: (req, res) => {
      compressResponse(req, res);
      seenAcceptEncoding = req.headers["accept-encoding"];
      return handler(req, res);
    },
  });
  server = front;
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  return (front.address() as AddressInfo).port;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; raw: Buffer }>(
    (resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, headers, method }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: Buffer.concat(chunks) }),
        );
      });
      req.on("error", reject);
      req.end();
    },
  );
}

/** A page the way Next writes one: headers set, then flushed, then the HTML in chunks. */
const page =
  (html: string, chunks = 6): Handler =>
  async (_req, res) => {
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.setHeader("Vary", "rsc, next-router-state-tree");
    res.setHeader("Set-Cookie", ["a=1; Path=/", "b=2; Path=/"]);
    res.flushHeaders();
    const size = Math.ceil(html.length / chunks);
    for (let i = 0; i < html.length; i += size) {
      res.write(html.slice(i, i + size));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  };

/** A promise and its resolve function (Node 20 has no Promise.withResolvers). */
function waiting(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const HTML = `<!DOCTYPE html><html><body>${"<tr><td>KES 1,250</td><td>paid</td></tr>".repeat(1500)}</body></html>`;

describe("gzip in the front server", () => {
  it("compresses a page written in chunks into one gzip body with its length, keeping Next's headers", async () => {
    const port = await start(page(HTML));
    const res = await get(port, "/payments", { "Accept-Encoding": "gzip, deflate, br" });
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(Number(res.headers["content-length"])).toBe(res.raw.byteLength);
    expect(res.headers["transfer-encoding"]).toBeUndefined();
    expect(gunzipSync(res.raw).toString()).toBe(HTML);
    expect(res.raw.byteLength).toBeLessThan(HTML.length / 10);
    expect(res.headers.vary).toBe("rsc, next-router-state-tree, Accept-Encoding");
    expect(res.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    // Next is not asked to compress as well
    expect(seenAcceptEncoding).toBeUndefined();
  });

  it("keeps the status and headers given to writeHead, as an object or a flat list", async () => {
    const port = await start((req, res) => {
      const json = JSON.stringify({ data: HTML });
      if (req.url === "/list")
        res.writeHead(201, "Created", ["Content-Type", "application/json", "X-Seen", "1"]);
      else res.writeHead(202, { "Content-Type": "application/json", "X-Seen": "2" });
      res.end(json);
    });
    const list = await get(port, "/list", { "Accept-Encoding": "gzip" });
    expect(list.status).toBe(201);
    expect(list.headers["x-seen"]).toBe("1");
    expect(list.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(list.raw).toString())).toEqual({ data: HTML });
    const other = await get(port, "/other", { "Accept-Encoding": "gzip" });
    expect(other.status).toBe(202);
    expect(other.headers["x-seen"]).toBe("2");
    expect(JSON.parse(gunzipSync(other.raw).toString())).toEqual({ data: HTML });
  });

  it("leaves the response alone for a client that does not take gzip, a HEAD, a Range or a build asset", async () => {
    const port = await start(page(HTML));
    for (const [path, headers, method] of [
      ["/payments", {}, "GET"],
      ["/payments", { "Accept-Encoding": "gzip;q=0, deflate" }, "GET"],
      ["/payments", { "Accept-Encoding": "gzip" }, "HEAD"],
      ["/robots.txt", { "Accept-Encoding": "gzip", Range: "bytes=0-10" }, "GET"],
      ["/_next/static/chunks/app.js", { "Accept-Encoding": "gzip" }, "GET"],
    ] as const) {
      const res = await get(port, path, headers, method);
      expect(res.headers["content-encoding"], `${method} ${path}`).toBeUndefined();
      if (method === "GET") expect(res.raw.toString()).toBe(HTML);
    }
    // Next still sees what the client accepts for what it serves itself
    await get(port, "/_next/static/chunks/app.js", { "Accept-Encoding": "gzip" });
    expect(seenAcceptEncoding).toBe("gzip");
  });

  it("does not compress images, small bodies, answers without a body or bodies already encoded", async () => {
    const png = Buffer.alloc(4096, 7);
    const port = await start((req, res) => {
      if (req.url === "/icon.png") {
        res.setHeader("Content-Type", "image/png");
        res.write(png.subarray(0, 2048));
        res.end(png.subarray(2048));
      } else if (req.url === "/small") {
        res.setHeader("Content-Type", "application/json");
        res.end('{"ok":true}');
      } else if (req.url === "/not-modified") {
        res.writeHead(304, { ETag: '"abc"' });
        res.end();
      } else {
        res.writeHead(200, { "Content-Type": "text/plain", "Content-Encoding": "br" });
        res.end(HTML);
      }
    });
    const icon = await get(port, "/icon.png", { "Accept-Encoding": "gzip" });
    expect(icon.headers["content-encoding"]).toBeUndefined();
    expect(icon.raw.equals(png)).toBe(true);
    const small = await get(port, "/small", { "Accept-Encoding": "gzip" });
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(small.headers["content-length"]).toBe("11");
    expect(small.raw.toString()).toBe('{"ok":true}');
    const notModified = await get(port, "/not-modified", { "Accept-Encoding": "gzip" });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.etag).toBe('"abc"');
    expect(notModified.raw.byteLength).toBe(0);
    const encoded = await get(port, "/encoded", { "Accept-Encoding": "gzip" });
    expect(encoded.headers["content-encoding"]).toBe("br");
    expect(encoded.raw.toString()).toBe(HTML);
  });

  it("streams a body larger than it holds (an export) through zlib, honouring back-pressure", async () => {
    const line = "2026-12-03T10:00:00Z,paid,1250,DEMO-1001,2547******78,SJK3X8Y9Z0\n";
    const rows = Math.ceil((HOLD_LIMIT * 8) / line.length);
    let waitedForDrain = 0;
    const port = await start(async (_req, res) => {
      res.writeHead(200, { "Content-Type": "text/csv; charset=utf-8" });
      for (let i = 0; i < rows; i += 1000) {
        const ok = res.write(line.repeat(Math.min(1000, rows - i)));
        if (!ok) {
          waitedForDrain++;
          await new Promise((r) => res.once("drain", r));
        }
      }
      res.end();
    });
    const res = await get(port, "/api/dashboard/payments/export", { "Accept-Encoding": "gzip" });
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    const csv = gunzipSync(res.raw).toString();
    expect(csv.length).toBe(rows * line.length);
    expect(csv.split("\n").length - 1).toBe(rows);
    expect(waitedForDrain).toBeGreaterThan(0);
  });

  it("holds a producer back while the reader stalls: what runs ahead stays bounded", async () => {
    // Text gzip shrinks only to about three quarters, so the socket, not zlib, is the limit. The
    // producer writes the way Next does (node_modules/next/dist/server/pipe-readable.js): one
    // `drain` listener for the whole response, a fresh promise after each wait.
    const chunk = randomBytes(96 * 1024).toString("base64");
    const total = 96 * 1024 * 1024;
    let written = 0;
    const port = await start(async (_req, res) => {
      res.writeHead(200, { "Content-Type": "text/csv; charset=utf-8" });
      let drained = waiting();
      res.on("drain", () => drained.resolve());
      while (written < total) {
        written += chunk.length;
        if (!res.write(chunk)) {
          await drained.promise;
          drained = waiting();
        }
      }
      res.end();
    });
    const writtenWhileStalled = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, path: "/export", headers: { "Accept-Encoding": "gzip" } },
        (res) => {
          let seen = 0;
          res.once("data", () => {
            res.pause();
            setTimeout(() => {
              seen = written;
              res.resume();
            }, 1_000);
          });
          res.on("end", () => resolve(seen));
          res.resume();
        },
      );
      req.on("error", reject);
      req.end();
    });
    // A second of a stalled reader lets the producer get only socket and stream buffers ahead
    // (a few MB), not the body.
    expect(writtenWhileStalled).toBeGreaterThan(0);
    expect(writtenWhileStalled).toBeLessThan(24 * 1024 * 1024);
    expect(written).toBeGreaterThanOrEqual(total);
  }, 30_000);
});

describe("a response still open after HOLD_MS", () => {
  it("reaches the reader part by part, each part decodable before the end", async () => {
    const first = `<div id="shell">${"loading ".repeat(400)}</div>`;
    const rest = `<div id="rows">${"<p>row</p>".repeat(400)}</div>`;
    let readerGotShell: () => void = () => {};
    const shellArrived = new Promise<void>((resolve) => {
      readerGotShell = resolve;
    });
    const port = await start(async (_req, res) => {
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.write(first);
      // the rest only once the reader has the first part: a held body would never get there
      await Promise.race([shellArrived, new Promise((r) => setTimeout(r, 3_000))]);
      res.end(rest);
    });
    const decoded = await new Promise<{ beforeEnd: string; all: string }>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, path: "/slow", headers: { "Accept-Encoding": "gzip" } },
        (res) => {
          expect(res.headers["content-encoding"]).toBe("gzip");
          const gunzip = createGunzip();
          let text = "";
          let beforeEnd = "";
          gunzip.on("data", (d: Buffer) => {
            text += d.toString();
            if (!beforeEnd && text.includes("</div>")) {
              beforeEnd = text;
              readerGotShell();
            }
          });
          gunzip.on("end", () => resolve({ beforeEnd, all: text }));
          res.pipe(gunzip);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(decoded.beforeEnd).toBe(first);
    expect(decoded.all).toBe(first + rest);
  });
});

describe("acceptsGzip", () => {
  it.each([
    ["gzip", true],
    ["gzip, deflate, br, zstd", true],
    ["br;q=1.0, gzip;q=0.8", true],
    ["x-gzip", true],
    ["*", true],
    ["gzip;q=0", false],
    ["gzip;q=0.0, *", false],
    ["*;q=0", false],
    ["deflate, br", false],
    ["identity", false],
    ["", false],
  ])("%s → %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
  it("reads a header given more than once", () => {
    expect(acceptsGzip(["br", "gzip"])).toBe(true);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
