// The simulator's HTTP plumbing: which path goes where, OAuth and bearer tokens, the throttle
// fault, and Daraja's error envelope for every refusal.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { accountBalance, b2b, b2c, b2cV1, reversal, transactionStatus } from "./business";
import { registerUrls, simulateC2b } from "./c2b";
import type { SimContext } from "./context";
import { handleControl } from "./control";
import { renderPhonePage } from "./phone-page";
import { pullQuery, pullRegister } from "./pull";
import { stkPush, stkQuery } from "./stk";
import { json, WireError } from "./wire";

type DarajaApi = (ctx: SimContext, body: Record<string, unknown>) => unknown;

/** Every Daraja endpoint the simulator speaks, all POST with a bearer token. */
const apis: Record<string, DarajaApi> = {
  "/mpesa/stkpush/v1/processrequest": async (ctx, body) => {
    const { response, before } = stkPush(ctx, body);
    if (before) await before;
    return response;
  },
  "/mpesa/stkpushquery/v1/query": stkQuery,
  "/mpesa/c2b/v1/registerurl": (ctx, body) => registerUrls(ctx, body, "v1"),
  "/mpesa/c2b/v2/registerurl": (ctx, body) => registerUrls(ctx, body, "v2"),
  "/mpesa/c2b/v1/simulate": simulateC2b,
  "/mpesa/c2b/v2/simulate": simulateC2b,
  "/mpesa/b2c/v3/paymentrequest": b2c,
  "/mpesa/b2c/v1/paymentrequest": b2cV1,
  "/mpesa/b2b/v1/paymentrequest": b2b,
  "/mpesa/transactionstatus/v1/query": transactionStatus,
  "/mpesa/accountbalance/v1/query": accountBalance,
  "/mpesa/reversal/v1/request": reversal,
  "/pulltransactions/v1/register": pullRegister,
  "/pulltransactions/v1/query": pullQuery,
};

function oauth(ctx: SimContext, req: IncomingMessage, url: URL) {
  const { state, settings } = ctx;
  state.stats.oauthCalls += 1;
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Basic ")) throw new WireError(400, "400.008.01", "Invalid Authentication passed");
  if (url.searchParams.get("grant_type") !== "client_credentials") {
    throw new WireError(400, "400.008.02", "Invalid grant type passed");
  }
  const [key = "", secret = ""] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":");
  // With no keys configured any non-empty pair is accepted, so whatever a merchant saved works locally.
  const configured = settings.consumerKey && settings.consumerSecret;
  const ok = configured
    ? key === settings.consumerKey && secret === settings.consumerSecret
    : key !== "" && secret !== "";
  if (!ok) throw new WireError(400, "400.008.01", "Invalid Authentication passed");
  const token = randomBytes(21).toString("base64url");
  state.tokens.set(token, Date.now() + settings.tokenTtlSeconds * 1000);
  return { access_token: token, expires_in: String(settings.tokenTtlSeconds) };
}

function requireBearer(ctx: SimContext, req: IncomingMessage) {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Bearer ")) throw new WireError(404, "404.001.04", "Invalid Authentication Header");
  const token = header.slice(7);
  const expiry = ctx.state.tokens.get(token);
  if (!expiry || expiry < Date.now()) throw new WireError(404, "404.001.03", "Invalid Access Token");
}

async function handleDaraja(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  raw: string,
) {
  const { state } = ctx;
  if (url.pathname === "/oauth/v1/generate") {
    if (req.method !== "GET") throw new WireError(405, "405.001", "Method Not Allowed");
    return json(res, 200, oauth(ctx, req, url));
  }
  const known = url.pathname.startsWith("/mpesa/c2b/") || url.pathname in apis;
  if (!known) throw new WireError(404, "404.001.01", "Resource not found");
  if (req.method !== "POST") throw new WireError(405, "405.001", "Method Not Allowed");
  requireBearer(ctx, req);
  state.stats.apiCalls += 1;
  if (state.faults.throttle && state.faults.throttle > 0) {
    state.faults.throttle -= 1;
    throw new WireError(500, "500.003.02", "Error Occurred: Spike Arrest Violation");
  }
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    body = parsed as Record<string, unknown>;
  } catch {
    throw new WireError(400, "400.002.05", "Invalid Request Payload");
  }
  const handler = apis[url.pathname];
  if (!handler) throw new WireError(404, "404.001.01", "Resource not found");
  return json(res, 200, await handler(ctx, body));
}

/** The server's request listener: the phone page, the control API under /sim/, Daraja otherwise. */
export function requestListener(ctx: SimContext) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://simulator");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      try {
        if (url.pathname === "/" || url.pathname === "/phone") {
          res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
          return res.end(renderPhonePage());
        }
        if (url.pathname.startsWith("/sim/")) return await handleControl(ctx, req, res, url, raw);
        return await handleDaraja(ctx, req, res, url, raw);
      } catch (error) {
        if (error instanceof WireError) {
          return json(res, error.status, {
            requestId: error.requestId,
            errorCode: error.errorCode,
            errorMessage: error.message,
          });
        }
        return json(res, 400, { error: (error as Error).message });
      }
    });
  };
}
