// GET/POST /pay/{id}: the hosted checkout a customer opens from a payment link, served as plain
// HTML from this route handler rather than as a React page. Measured with `npm run bench:checkout`
// (docs/performance.md): any app-router page, even one with no client component, loads Next's
// runtime (React, the router) before it can hydrate, more than twice the checkout's 50 KB budget of
// gzipped JavaScript, and a customer cannot type until it has run; this page needs none of it. The
// form posts here without JavaScript; after the prompt is sent the answer is 303 to the same
// address, whose waiting screen reloads itself.
import { getDb } from "@/lib/db";
import { ERROR_STATUS } from "@/lib/errors";
import { readCallbackBody } from "@/lib/payments/callbacks/read-callback-body";
import { getCheckoutView } from "@/lib/payments/collections/get-checkout-view";
import { renderCheckoutPage, renderMissingPage } from "./_html/checkout-page";
import { payCheckout } from "./pay-checkout";

export const dynamic = "force-dynamic";

/** A form with one phone number needs far less; anything bigger is not our form. */
const MAX_FORM_BYTES = 4096;

type Context = { params: Promise<{ id: string }> };

export async function GET(request: Request, { params }: Context): Promise<Response> {
  const view = await getCheckoutView(getDb(), { sessionId: (await params).id });
  if (!view) return page(renderMissingPage(), 404);
  return page(renderCheckoutPage({ view, nonce: scriptNonce(request) }), 200);
}

export async function POST(request: Request, { params }: Context): Promise<Response> {
  const { id } = await params;
  if (!fromThisSite(request)) return refusal("Pay from the checkout page itself.", 403);
  const form = await readForm(request);
  if (!form) return refusal("Send the checkout form.", 415);
  const result = await payCheckout(id, form, { requestId: request.headers.get("x-request-id") });
  if (result.ok)
    return new Response(null, {
      status: 303,
      headers: { Location: `/pay/${id}`, "Cache-Control": "no-store" },
    });
  const view = await getCheckoutView(getDb(), { sessionId: id });
  if (!view) return page(renderMissingPage(), 404);
  const status = ERROR_STATUS[result.code];
  const headers: Record<string, string> = {};
  if (result.retryAfterSeconds) headers["Retry-After"] = String(result.retryAfterSeconds);
  const body = renderCheckoutPage({
    view,
    nonce: scriptNonce(request),
    error: { message: result.message, field: result.field },
    phone: typeof form.phone === "string" ? form.phone.slice(0, 40) : "",
  });
  return page(body, status, headers);
}

function refusal(message: string, status: number): Response {
  return new Response(message, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
  });
}

function page(body: string, status: number, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", ...headers },
  });
}

/**
 * The nonce the front server (lib/http/stamp-page-request.ts) put in this request's
 * Content-Security-Policy, for the one inline script.
 */
function scriptNonce(request: Request): string | null {
  return /'nonce-([A-Za-z0-9+/=]+)'/.exec(request.headers.get("content-security-policy") ?? "")?.[1] ?? null;
}

/**
 * The same check Next makes before it runs a server action (which this form was until the page
 * became plain HTML): a browser's Origin must name this host. Browsers send Origin with every
 * form POST; a request without one is not from another site's page. CSP's form-action 'self'
 * keeps our own pages from posting elsewhere.
 */
function fromThisSite(request: Request): boolean {
  if (request.headers.get("sec-fetch-site") === "cross-site") return false;
  const origin = request.headers.get("origin");
  if (!origin) return true;
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    return origin !== "null" && host !== null && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** The posted fields (urlencoded or multipart), or null when it is not a small form. */
async function readForm(request: Request): Promise<Record<string, unknown> | null> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return null;
  // The same capped read as Daraja's callbacks: refused on Content-Length, or cut off when streamed.
  const raw = await readCallbackBody(request, MAX_FORM_BYTES);
  if (!raw.ok) return null;
  const fields = type.toLowerCase().startsWith("multipart/")
    ? await new Response(raw.body, { headers: { "Content-Type": type } }).formData().catch(() => null)
    : new URLSearchParams(raw.body);
  if (!fields) return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of fields.entries())
    if (typeof value === "string" && !(key in out)) out[key] = value;
  return out;
}
