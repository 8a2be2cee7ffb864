// The HTTP server in front of Next (scripts/serve.ts starts it): the one place that sees the
// socket, so the one place that decides the caller's address (lib/security/client-ip.ts). It is on
// every request's path, so it reads no body itself; a route (`routes`) may answer a hot path
// without Next: Daraja's callbacks (lib/http/mpesa-callback.ts).
// Framework-free: Next's handler is passed in, so tests run it with a stub.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { CLIENT_IP_HEADER, resolveClientIp, trustClientIpHeader } from "../security/client-ip";

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** A path answered here instead of by Next, for a hot path that needs none of Next's machinery. */
export interface FrontRoute {
  /** Matches when the request's path starts with it, e.g. `/api/mpesa/`. */
  prefix: string;
  /** Narrows the match (method, exact shape); what it turns down goes on to the next route or Next. */
  accepts?: (req: IncomingMessage) => boolean;
  handle: HttpHandler;
}

export interface FrontServerOptions {
  /** How many reverse proxies in front append to X-Forwarded-For (TRUSTED_PROXY_HOPS). */
  trustedProxyHops: number;
  /** Everything no route takes: Next's request handler. */
  fallback: HttpHandler;
  routes?: readonly FrontRoute[];
  /** A handler threw: answered 500 (or the connection dropped if the answer had started). */
  onError?: (error: unknown) => void;
}

/** Replaces whatever the client sent as its address with the one the socket and proxies prove. */
function stampClientIp(req: IncomingMessage, trustedProxyHops: number): void {
  delete req.headers[CLIENT_IP_HEADER];
  const ip = resolveClientIp({
    peer: req.socket.remoteAddress,
    forwardedFor: req.headers["x-forwarded-for"],
    trustedProxyHops,
  });
  if (ip) req.headers[CLIENT_IP_HEADER] = ip;
}

export function createFrontServer(options: FrontServerOptions): Server {
  trustClientIpHeader();
  const routes = options.routes ?? [];
  const server = createServer((req, res) => {
    stampClientIp(req, options.trustedProxyHops);
    const url = req.url ?? "/";
    const handler =
      routes.find((route) => url.startsWith(route.prefix) && (route.accepts?.(req) ?? true))?.handle ??
      options.fallback;
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        options.onError?.(error);
        if (res.headersSent) res.destroy();
        else res.writeHead(500, { "Content-Type": "text/plain" }).end("Internal Server Error");
      });
  });
  // Next attaches its own `upgrade` listener (dev reload's websocket) to this server on its first
  // request (node_modules/next/dist/server/next.js, setupWebSocketHandler). This one is added
  // first, so the upgrade request Next sees carries the stamped address too. With no other
  // listener yet, nobody would ever answer: close the socket rather than leave it open.
  server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    stampClientIp(req, options.trustedProxyHops);
    if (server.listenerCount("upgrade") === 1) socket.destroy();
  });
  return server;
}
