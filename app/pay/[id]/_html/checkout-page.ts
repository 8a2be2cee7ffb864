// The hosted checkout as one HTML document: the pay form, the waiting screen and the result, by the
// checkout's state. It works with no JavaScript at all (the form posts to app/pay/[id]/route.ts; the
// waiting screen reloads itself every few seconds through a <meta> refresh inside <noscript>).
// With JavaScript, one small inline script (CHECKOUT_SCRIPT, carrying this response's CSP nonce)
// checks the number as it is typed and, while waiting, asks GET /api/pay/{id} for the state and
// reloads once it changes. The styles are inline too: on a slow network every extra request
// costs a round trip before anything shows.
import { formatKes } from "@/lib/format";
import type { CheckoutView } from "@/lib/payments/collections/get-checkout-view";
import { Html, html } from "./html";

/** Seconds between reloads of the waiting screen when JavaScript is off. */
export const WAITING_REFRESH_SECONDS = 3;
/** Milliseconds between status checks of the waiting screen when JavaScript is on. */
const WAITING_POLL_MS = 2000;

const STYLES = `*,:before,:after{box-sizing:border-box;margin:0;padding:0}
html{-webkit-text-size-adjust:100%;color-scheme:light}
body{font:16px/1.5 ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:#f8fafc;color:#0f172a;-webkit-font-smoothing:antialiased}
:focus-visible{outline:2px solid #16a34a;outline-offset:2px}
main{max-width:28rem;min-height:100dvh;margin:0 auto;background:#fff;padding:1.5rem 1rem}
@media (min-width:640px){main{min-height:0;margin:1.5rem auto;border:1px solid #e2e8f0;border-radius:.75rem}}
.sm{font-size:.875rem;line-height:1.25rem}.muted{color:#475569}.c7{color:#334155}.b{font-weight:600}
.amount{margin-top:.25rem;font-size:1.875rem;line-height:2.25rem;font-weight:700;letter-spacing:-.025em}
.lg{font-size:1.125rem;line-height:1.75rem}.mt1{margin-top:.25rem}.mt3{margin-top:.75rem}.mt6{margin-top:1.5rem}
.box{border-radius:.5rem;padding:1rem;background:#f8fafc}.ok{background:#f0fdf4;color:#14532d}
.warn{background:#fffbeb;color:#78350f}.err{background:#fef2f2;color:#7f1d1d;padding:.75rem}
form>*+*{margin-top:.75rem}label{display:block}
input{display:block;width:100%;margin-top:.25rem;border:1px solid #cbd5e1;border-radius:.5rem;padding:.75rem;font:inherit;font-size:1.125rem;background:#fff;color:inherit}
input[aria-invalid=true]{border-color:#b91c1c}
.help{font-size:.875rem;color:#64748b}.bad,.alert{font-size:.875rem;color:#b91c1c}
button{display:block;width:100%;border:0;border-radius:.5rem;background:#15803d;color:#fff;padding:.75rem 1rem;font:inherit;font-size:1.125rem;font-weight:600;cursor:pointer}
button:disabled{background:#8ac09e;cursor:default}
a{color:#166534}
details{margin-top:2rem;border-radius:.5rem;background:#f8fafc;padding:.75rem;font-size:.875rem;color:#334155}
summary{cursor:pointer;font-weight:500}ol{margin-top:.5rem;padding-left:1.25rem}li+li{margin-top:.25rem}
.foot{margin-top:2rem;text-align:center;font-size:.75rem;color:#64748b}`;

/**
 * The enhancement, as the browser runs it (kept short by hand: it is the only JavaScript the
 * checkout ships). The pattern is a quick hint only; app/pay/[id]/pay-checkout.ts decides.
 */
const CHECKOUT_SCRIPT = `(()=>{const f=document.getElementById("pay");if(f){const i=f.elements.phone,b=f.querySelector("button"),h=document.getElementById("phone-help"),t=h.textContent,k=/^(?:\\+?254|00254|0)?[17]\\d{8}$/,c=()=>{const v=k.test(i.value.replace(/[\\s\\-.()]/g,"")),w=i.value!==""&&!v;i.setAttribute("aria-invalid",String(w||i.dataset.error==="1"&&i.value===i.defaultValue));h.textContent=w?"Enter a Safaricom number like 0712 345 678.":t;h.className=w?"bad":"help";b.disabled=!v};i.addEventListener("input",c);c();f.addEventListener("submit",()=>setTimeout(()=>{b.disabled=true;b.textContent="Sending prompt\\u2026"}))}const u=document.body.dataset.status;if(u)setInterval(()=>fetch(u,{cache:"no-store"}).then(r=>r.ok?r.json():null).then(v=>{if(v&&(v.state!=="open"||!v.attempt||v.attempt.status!=="pending"))location.replace(location.pathname)},()=>{}),${WAITING_POLL_MS})})()`;

export interface CheckoutPageOptions {
  view: CheckoutView;
  /** This response's CSP script nonce (lib/http/stamp-page-request.ts); null when no policy asked for one. */
  nonce: string | null;
  /** A refusal of the last submit, shown above the button; `field` marks the phone as wrong. */
  error?: { message: string; field?: "phone" } | null;
  /** What the customer typed, put back in the field after a refusal. */
  phone?: string;
}

export function renderCheckoutPage(options: CheckoutPageOptions): string {
  const { view } = options;
  const waiting = view.state === "open" && view.attempt?.status === "pending";
  const path = `/pay/${view.id}`;
  const body = html`<main>
<p class="sm muted">Pay ${view.merchantName}</p>
<p class="amount" data-testid="amount">${formatKes(view.amount)}</p>
<p class="sm c7">For <span class="b">${view.reference}</span>${view.description ? ` · ${view.description}` : ""}</p>
<div class="mt6">${stateBlock(options, waiting, path)}</div>
${view.alternative && view.state === "open" ? alternative(view) : ""}
<p class="foot">Secured by Malipo · M-Pesa</p>
</main>`;
  const script =
    view.state === "open"
      ? html`<script${nonceAttribute(options.nonce)}>${new Html(CHECKOUT_SCRIPT)}</script>`
      : "";
  return document({
    title: "Pay with M-Pesa",
    head: waiting
      ? html`<noscript><meta http-equiv="refresh" content="${WAITING_REFRESH_SECONDS};url=${path}"></noscript>`
      : "",
    bodyAttributes: waiting ? html` data-status="/api/pay/${view.id}"` : "",
    body: html`${body}${script}`,
  });
}

/** The answer for a link that does not exist (or is malformed). */
export function renderMissingPage(): string {
  return document({
    title: "Payment link not found",
    head: "",
    bodyAttributes: "",
    body: html`<main><h1 class="lg b">This payment link does not exist.</h1><p class="mt1 c7">Check the link, or ask the merchant for a new one.</p><p class="foot">Secured by Malipo · M-Pesa</p></main>`,
  });
}

function stateBlock(options: CheckoutPageOptions, waiting: boolean, path: string): Html {
  const { view, error } = options;
  const refusal = error ? html`<p role="alert" class="box err mt3" id="pay-error">${error.message}</p>` : "";
  if (view.state === "paid") {
    return html`<div role="status" class="box ok"><p class="lg b">Paid. Thank you!</p>${
      view.attempt?.receipt
        ? html`<p class="mt1">M-Pesa receipt <b data-testid="receipt">${view.attempt.receipt}</b></p>`
        : ""
    }</div>`;
  }
  if (view.state === "expired" || view.state === "cancelled") {
    return html`<p role="status" class="box warn">${
      view.state === "expired"
        ? "This payment link has expired. Ask the merchant for a new one."
        : "This payment link was cancelled."
    }</p>`;
  }
  if (waiting) {
    return html`<div role="status" aria-live="polite" class="box"><p class="lg b">Check your phone</p><p class="mt1 c7">Enter your M-Pesa PIN on the prompt sent to ${view.attempt?.phone}.</p><p class="mt3 sm muted">This page updates by itself. <a href="${path}">Check now</a></p></div>${refusal}`;
  }
  const failed = view.attempt && view.attempt.status !== "pending" ? view.attempt : null;
  const phoneWrong = error?.field === "phone";
  return html`<form id="pay" method="post" action="${path}">
${failed ? html`<p role="alert" class="box err">${failed.message} You can try again.</p>` : ""}
<label>
<span class="sm b">M-Pesa phone number</span>
<input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" placeholder="07XX XXX XXX" required maxlength="40" value="${options.phone ?? ""}" aria-describedby="phone-help${error ? " pay-error" : ""}"${phoneWrong ? html` aria-invalid="true" data-error="1" autofocus` : ""}>
</label>
<p id="phone-help" class="help">You will get a prompt to enter your PIN.</p>
${error ? html`<p role="alert" class="alert" id="pay-error">${error.message}</p>` : ""}
<button type="submit">${failed ? "Try again" : "Pay with M-Pesa"}</button>
</form>`;
}

function alternative(view: CheckoutView): Html {
  const amount = html`<li>Amount ${formatKes(view.amount)}, then your PIN</li>`;
  const steps =
    view.alternative?.kind === "paybill"
      ? html`<li>M-PESA → Lipa na M-PESA → Pay Bill</li><li>Business number <b>${view.alternative.shortcode}</b></li><li>Account number <b>${view.alternative.account}</b></li>${amount}`
      : view.alternative?.kind === "till"
        ? html`<li>M-PESA → Lipa na M-PESA → Buy Goods and Services</li><li>Till number <b>${view.alternative.till}</b></li>${amount}`
        : "";
  return html`<details><summary>Pay from the M-Pesa menu instead</summary><ol>${steps}</ol></details>`;
}

function nonceAttribute(nonce: string | null): Html | string {
  return nonce ? html` nonce="${nonce}"` : "";
}

function document(parts: {
  title: string;
  head: Html | string;
  bodyAttributes: Html | string;
  body: Html;
}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="#15803d">
<meta name="robots" content="noindex">
<title>${parts.title} · Malipo</title>
<link rel="icon" href="/favicon.ico" sizes="32x32">
<link rel="icon" href="/icon.svg" type="image/svg+xml">
<link rel="apple-touch-icon" href="/apple-touch-icon.png" sizes="180x180">
${parts.head}<style>${new Html(STYLES)}</style>
</head>
<body${parts.bodyAttributes}>
${parts.body}
</body>
</html>
`.value;
}
