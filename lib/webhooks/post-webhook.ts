// One HTTP POST of a webhook: a 10 s budget for the whole exchange, at most 64 KiB of the answer
// read and 1 KiB of it kept, and (in production) only public addresses, checked at connection time
// (each new connection; a kept-alive one was checked when it opened).
import http from "node:http";
import https from "node:https";
import { assertAllowedUrl, guardedLookup, UnsafeTargetError } from "./safe-target";

export const WEBHOOK_TIMEOUT_MS = 10_000;
export const RESPONSE_READ_CAP_BYTES = 64 * 1024;
export const RESPONSE_EXCERPT_BYTES = 1024;

// Connections are kept alive between attempts to one receiver (a fan-out of thousands of events
// need not open thousands of connections). Production's agents are separate: every socket they hold
// was opened through guardedLookup, so a reused connection is one that was checked when it opened.
const agentOptions = { keepAlive: true, maxFreeSockets: 16 };
const agents = {
  guarded: { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) },
  open: { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) },
};

export interface PostResult {
  /** Null when no answer came (refused target, timeout, connection error). */
  statusCode: number | null;
  error: string | null;
  excerpt: string | null;
  latencyMs: number;
  /** The target was refused before any request (not https in production, not a public address). */
  refused?: boolean;
}

export type PostWebhook = (options: {
  url: string;
  body: string;
  headers: Record<string, string>;
  production: boolean;
}) => Promise<PostResult>;

/** Posts `body` to `url`; never throws: every failure is a result with `error` set. */
export const postWebhook: PostWebhook = ({ url: raw, body, headers, production }) => {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = assertAllowedUrl(raw, { production });
  } catch (error) {
    const message = error instanceof UnsafeTargetError ? error.message : "The URL is not allowed.";
    return Promise.resolve({ statusCode: null, error: message, excerpt: null, latencyMs: 0, refused: true });
  }
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<PostResult, "latencyMs" | "refused"> & { refused?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const secure = url.protocol === "https:";
    const transport = secure ? https : http;
    const pool = production ? agents.guarded : agents.open;
    const request = transport.request(url, {
      method: "POST",
      headers: {
        ...headers,
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "user-agent": "Malipo-Webhooks/1",
      },
      // Outside production a receiver on this machine (npm run dev, tests) is fine.
      ...(production ? { lookup: guardedLookup } : {}),
      agent: secure ? pool.https : pool.http,
    });
    const timer = setTimeout(() => {
      request.destroy();
      finish({ statusCode: null, error: `No answer within ${WEBHOOK_TIMEOUT_MS / 1000} s.`, excerpt: null });
    }, WEBHOOK_TIMEOUT_MS);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish({
          statusCode: response.statusCode ?? null,
          error: null,
          excerpt: excerptOf(Buffer.concat(chunks)),
        });
      response.on("data", (chunk: Buffer) => {
        if (size >= RESPONSE_READ_CAP_BYTES) return;
        chunks.push(chunk.subarray(0, RESPONSE_READ_CAP_BYTES - size));
        size += chunk.length;
        if (size >= RESPONSE_READ_CAP_BYTES) {
          done();
          response.destroy();
        }
      });
      response.on("end", done);
      response.on("error", done);
    });
    request.on("error", (error: NodeJS.ErrnoException) => {
      const refused = error.code === "EUNSAFETARGET" || error instanceof UnsafeTargetError;
      const message = refused ? error.message : `Could not connect: ${error.code ?? error.message}`;
      finish({ statusCode: null, error: message, excerpt: null, refused });
    });
    request.end(body);
  });
};

function excerptOf(bytes: Buffer): string | null {
  if (bytes.length === 0) return null;
  // Cut on bytes, then drop a character split by the cut.
  return bytes
    .subarray(0, RESPONSE_EXCERPT_BYTES)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}
