// The app's server: Next behind the front server that decides each caller's address
// (lib/http/front-server.ts). scripts/dev.ts starts it for `npm run dev` (NODE_ENV=development:
// Turbopack, hot reload) and `npm start` (NODE_ENV=production: the build in .next). In production
// Daraja's callbacks are answered before Next by the same function as their route handler
// (lib/http/mpesa-callback.ts): Safaricom does not retry, so their acknowledgement must not wait
// behind Next's request machinery or share its fate. Plain `next start` also serves the app, but
// then no client address is trusted (the callback allowlist refuses everything and sign-in limits
// cannot tell callers apart) and pages carry no Content-Security-Policy.
import { join } from "node:path";
import next from "next";
import { callbackQueueIdle } from "../lib/background/callback-queue";
import { getEnv } from "../lib/env";
import { compressResponse } from "../lib/http/compress-response";
import { createFrontServer } from "../lib/http/front-server";
import { mpesaCallbackRoute } from "../lib/http/mpesa-callback";
import { stampPageRequest } from "../lib/http/stamp-page-request";
import { getLogger } from "../lib/logger";

const env = getEnv();
const dev = env.NODE_ENV !== "production";
const app = next({ dev, turbopack: true, dir: join(import.meta.dirname, ".."), port: env.PORT });
await app.prepare();

const handleWithNext = app.getRequestHandler();
const server = createFrontServer({
  trustedProxyHops: env.TRUSTED_PROXY_HOPS,
  // Every page and API response gets its request id and Content-Security-Policy here, and is
  // gzipped here in one step rather than by Next chunk by chunk (lib/http/compress-response.ts).
  fallback: (req, res) => {
    stampPageRequest(req, res, { dev });
    compressResponse(req, res);
    return handleWithNext(req, res);
  },
  // In development Next's route handler answers callbacks too, so edits to it reload.
  routes: dev ? [] : [mpesaCallbackRoute()],
  onError: (err) => getLogger().error({ err }, "request failed in the front server"),
});
server.listen(env.PORT, () => {
  const source = env.TRUSTED_PROXY_HOPS === 0 ? "the socket" : `${env.TRUSTED_PROXY_HOPS} proxy hop(s)`;
  console.log(
    `> Malipo listening on port ${env.PORT} (${dev ? "development" : "production"}; client IPs from ${source})`,
  );
});

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (closing) return;
    closing = true;
    server.close();
    server.closeAllConnections();
    // Callbacks already acknowledged settle before exit (reconciliation would, later).
    await Promise.race([callbackQueueIdle(), new Promise((r) => setTimeout(r, 5_000).unref())]);
    await app.close();
    process.exit(0);
  });
}
