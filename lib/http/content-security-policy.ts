// The Content-Security-Policy of every page (the front server sets it: stamp-page-request.ts).
// Scripts run only with this request's nonce, which Next reads back from the request's CSP header
// and puts on its own scripts (node_modules/next/dist/server/app-render/get-script-nonce-from-header.js);
// 'strict-dynamic' lets those load the chunks they import. An injected <script> has no nonce.

/** A fresh, unguessable nonce for one response (128 random bits, base64). */
export function createNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}

export function contentSecurityPolicy(options: { nonce: string; dev: boolean }): string {
  const directives = [
    "default-src 'self'",
    // React's development build uses eval() to rebuild server error stacks; production never does.
    `script-src 'self' 'nonce-${options.nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ""}`,
    // React and Next set style attributes at runtime; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    // QR codes are data: URLs (app/(dashboard)/checkout-links/page.tsx).
    "img-src 'self' data: blob:",
    // The development server's reload channel is a websocket.
    `connect-src 'self'${options.dev ? " ws: wss:" : ""}`,
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ];
  return directives.join("; ");
}
