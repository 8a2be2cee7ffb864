// Gzip for what Next answers (pages, their RSC payloads, route handlers' JSON and CSV), done by the
// front server (scripts/serve.ts) instead of Next's `compression` middleware. That middleware sends
// each chunk through zlib on libuv's thread pool and flushes after every one: a 50-60 KB dashboard
// page written in 5-10 chunks paid a thread hop per chunk, about 1 ms of CPU and more of latency on
// a 2-core server, for well under 1 ms of actual compression (docs/performance.md). A page or a
// JSON answer is written in a few milliseconds, so the body is held until Next ends it and
// compressed in one step. A body that outgrows HOLD_LIMIT (a CSV export) or is still open after
// HOLD_MS (a slow stream, a future Suspense boundary) is compressed as a stream from then on: on
// the thread pool, flushed after every write so a reader gets each part as it comes, with
// back-pressure both ways, so memory stays bounded.
// Framework-free: it wraps a Node ServerResponse, whoever writes it.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { constants, createGzip, type Gzip, gzipSync } from "node:zlib";

/** Bodies up to this are held whole and compressed once; past it, compressed as a stream. */
export const HOLD_LIMIT = 256 * 1024;
/** How long a body may be held from its first write before it streams instead. */
export const HOLD_MS = 50;
/** Below this, gzip's header and the CPU cost more than the bytes saved. */
export const MIN_COMPRESS_BYTES = 1024;
/** zlib's default trade of size for speed. */
const LEVEL = 6;

const COMPRESSIBLE_TYPE = /^\s*(?:text\/|application\/(?:json|javascript|xml|x-ndjson)|image\/svg\+xml)/i;

/** Whether an Accept-Encoding header takes gzip (RFC 9110 §12.5.3: `q=0` turns a coding down). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  let wildcard = false;
  for (const part of value.split(",")) {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const accepted = !q || Number(q.slice(2)) > 0;
    if (coding.trim() === "gzip" || coding.trim() === "x-gzip") return accepted;
    if (coding.trim() === "*") wildcard = accepted;
  }
  return wildcard;
}

type Chunk = string | Uint8Array;
type WriteCallback = (error?: Error | null) => void;

/**
 * Takes over compressing `res` when the request accepts gzip: removes Accept-Encoding from `req`,
 * so the handler behind (Next) does not compress too, and wraps `res`. Returns false and touches
 * nothing for a HEAD or Range request, a client that does not take gzip, or a build asset under
 * /_next/ (Next serves and compresses those itself).
 */
export function compressResponse(req: IncomingMessage, res: ServerResponse): boolean {
  if (
    req.method === "HEAD" ||
    req.headers.range ||
    req.url?.startsWith("/_next/") ||
    !acceptsGzip(req.headers["accept-encoding"])
  )
    return false;
  delete req.headers["accept-encoding"];

  const original = {
    write: res.write,
    end: res.end,
    writeHead: res.writeHead,
    flushHeaders: res.flushHeaders,
  };
  const rawWrite = original.write as unknown as (
    this: ServerResponse,
    chunk: Chunk,
    cb?: WriteCallback,
  ) => boolean;
  const rawEnd = original.end as unknown as (
    this: ServerResponse,
    chunk?: Chunk,
    cb?: () => void,
  ) => ServerResponse;
  const write = (chunk: Chunk, cb?: WriteCallback) => rawWrite.call(res, chunk, cb);
  const end = (chunk?: Chunk, cb?: () => void) => rawEnd.call(res, chunk, cb);
  let head: { status: number; headers: OutgoingHttpHeaders } | null = null;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let gzip: Gzip | null = null;
  let ended = false;
  let holdTimer: NodeJS.Timeout | undefined;
  // While streaming: the socket refused more (zlib paused), and the handler waits for `drain`.
  let socketFull = false;
  let handlerWaiting = false;

  const restore = () => Object.assign(res, original);

  /** The status and headers the handler has set, through setHeader or writeHead. */
  const currentStatus = () => head?.status ?? res.statusCode;
  const givenHeaders = () => ({ ...lowerCased(res.getHeaders()), ...lowerCased(head?.headers) });

  /** Sends the status and headers the handler set, with what compressing changes. */
  const sendHead = (encoding: "gzip" | null, length: number | null) => {
    const headers = givenHeaders();
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    if (encoding) headers["content-encoding"] = encoding;
    if (length === null) delete headers["content-length"];
    else headers["content-length"] = length;
    headers.vary = withAcceptEncoding(headers.vary);
    original.writeHead.call(res, currentStatus(), headers);
  };

  /**
   * Whether the answer may be compressed: it has a body, of a text type, not encoded. Decided once,
   * at the first write (or the end): the status and headers are fixed by then, as Node's own are.
   */
  let verdict: boolean | undefined;
  const compressible = () => (verdict ??= decide());
  const decide = () => {
    const headers = givenHeaders();
    return (
      bodyAllowed(currentStatus()) &&
      currentStatus() !== 206 &&
      headers["content-encoding"] === undefined &&
      COMPRESSIBLE_TYPE.test(String(headers["content-type"] ?? "")) &&
      !/\bno-transform\b/i.test(String(headers["cache-control"] ?? ""))
    );
  };

  /**
   * Past HOLD_LIMIT or HOLD_MS: everything held and all that follows goes through a zlib stream.
   * Back-pressure both ways, kept apart: a full socket pauses zlib's output until the socket drains
   * (which in turn fills zlib's input and makes the handler's writes return false); the handler
   * is told `drain` once zlib takes input again and the socket is not full. Both arrive as `drain`
   * on `res`, so the one passed on to the handler is marked and not taken for the socket's.
   */
  const startStreaming = () => {
    if (holdTimer) clearTimeout(holdTimer);
    sendHead("gzip", null);
    const stream = createGzip({ level: LEVEL });
    gzip = stream;
    let passingOn = false;
    const passDrainOn = () => {
      handlerWaiting = false;
      passingOn = true;
      res.emit("drain");
      passingOn = false;
    };
    stream.on("data", (out: Buffer) => {
      if (!write(out)) {
        socketFull = true;
        stream.pause();
      }
    });
    res.on("drain", () => {
      if (passingOn || !socketFull) return;
      socketFull = false;
      stream.resume();
      if (handlerWaiting && !stream.writableNeedDrain) passDrainOn();
    });
    stream.on("drain", () => {
      if (handlerWaiting && !socketFull) passDrainOn();
    });
    stream.once("end", () => end());
    stream.once("error", (error) => res.destroy(error));
    res.once("close", () => stream.destroy());
    for (const buffer of held) stream.write(buffer);
    stream.flush(constants.Z_SYNC_FLUSH);
    held = [];
  };

  // Next flushes the headers before its first write; they go out with the body instead.
  res.flushHeaders = () => {};

  res.writeHead = ((status: number, ...rest: unknown[]) => {
    // writeHead(status, [reason], [headers]); headers may be an object or a flat [name, value] list
    const given = rest.find((r) => typeof r === "object" && r !== null) as
      | OutgoingHttpHeaders
      | string[]
      | undefined;
    head = { status, headers: { ...head?.headers, ...headerObject(given) } };
    res.statusCode = status;
    return res;
  }) as typeof res.writeHead;

  res.write = ((chunk: Chunk, encodingOrCb?: BufferEncoding | WriteCallback, cb?: WriteCallback) => {
    const callback = typeof encodingOrCb === "function" ? encodingOrCb : cb;
    const buffer = toBuffer(chunk, typeof encodingOrCb === "string" ? encodingOrCb : undefined);
    if (gzip) {
      const ok = gzip.write(buffer, callback) && !socketFull;
      gzip.flush(constants.Z_SYNC_FLUSH);
      if (!ok) handlerWaiting = true;
      return ok;
    }
    if (!compressible()) {
      // Not ours to compress (an image, a 304): from here on the response is Next's as it was.
      restore();
      if (head) original.writeHead.call(res, head.status, head.headers);
      return write(buffer, callback);
    }
    held.push(buffer);
    heldBytes += buffer.byteLength;
    if (heldBytes > HOLD_LIMIT) startStreaming();
    else holdTimer ??= setTimeout(() => ended || gzip || res.destroyed || startStreaming(), HOLD_MS);
    if (callback) process.nextTick(callback);
    return true;
  }) as typeof res.write;

  res.end = ((
    chunk?: Chunk | (() => void),
    encodingOrCb?: BufferEncoding | (() => void),
    cb?: () => void,
  ) => {
    if (ended) return res;
    ended = true;
    if (holdTimer) clearTimeout(holdTimer);
    const callback = [chunk, encodingOrCb, cb].find((a) => typeof a === "function") as
      | (() => void)
      | undefined;
    const last =
      chunk === undefined || chunk === null || typeof chunk === "function"
        ? null
        : toBuffer(chunk, typeof encodingOrCb === "string" ? encodingOrCb : undefined);
    if (gzip) {
      if (callback) res.once("finish", callback);
      if (last) gzip.end(last);
      else gzip.end();
      return res;
    }
    restore();
    if (last) held.push(last);
    const body = held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held);
    held = [];
    if (body.byteLength >= MIN_COMPRESS_BYTES && compressible()) {
      const compressed = gzipSync(body, { level: LEVEL });
      sendHead("gzip", compressed.byteLength);
      end(compressed, callback);
    } else if (head || body.byteLength > 0) {
      sendHead(null, bodyAllowed(currentStatus()) ? body.byteLength : null);
      end(body.byteLength > 0 ? body : undefined, callback);
    } else {
      end(undefined, callback);
    }
    return res;
  }) as typeof res.end;

  return true;
}

function toBuffer(chunk: Chunk, encoding?: BufferEncoding): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, encoding);
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function bodyAllowed(status: number): boolean {
  return status >= 200 && status !== 204 && status !== 304;
}

function headerObject(headers: OutgoingHttpHeaders | string[] | undefined): OutgoingHttpHeaders {
  if (!Array.isArray(headers)) return lowerCased(headers);
  const out: OutgoingHttpHeaders = {};
  for (let i = 0; i + 1 < headers.length; i += 2) out[String(headers[i]).toLowerCase()] = headers[i + 1];
  return out;
}

function lowerCased(headers: OutgoingHttpHeaders | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

/** A Vary value that names Accept-Encoding once: caches must keep gzip and identity apart. */
function withAcceptEncoding(current: OutgoingHttpHeaders[string]): string {
  const value = Array.isArray(current) ? current.join(", ") : String(current ?? "");
  if (/(?:^|,)\s*(?:accept-encoding|\*)\s*(?:,|$)/i.test(value)) return value;
  return value ? `${value}, Accept-Encoding` : "Accept-Encoding";
}
