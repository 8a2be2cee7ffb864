import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, createNonce } from "@/lib/http/content-security-policy";

describe("contentSecurityPolicy", () => {
  it("allows scripts only with the nonce, and eval and websockets only in development", () => {
    const production = contentSecurityPolicy({ nonce: "abc123", dev: false });
    expect(production).toBe(
      "default-src 'self'; script-src 'self' 'nonce-abc123' 'strict-dynamic'; " +
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    );
    const dev = contentSecurityPolicy({ nonce: "abc123", dev: true });
    expect(dev).toContain("'strict-dynamic' 'unsafe-eval'");
    expect(dev).toContain("connect-src 'self' ws: wss:");
  });

  it("makes a new 128-bit nonce every time", () => {
    const nonces = new Set(Array.from({ length: 100 }, createNonce));
    expect(nonces.size).toBe(100);
    expect(Buffer.from([...nonces][0] ?? "", "base64")).toHaveLength(16);
  });
});
