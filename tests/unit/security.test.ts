import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "@/lib/safe-redirect";
import { generateApiKey, hashApiKey, importApiKey } from "@/lib/security/api-keys";
import { clientIp } from "@/lib/security/client-ip";
import { passwordProblem } from "@/lib/security/password";

describe("API keys", () => {
  it("generates test and live keys with a visible prefix and a stored hash only", () => {
    const test = generateApiKey("simulator");
    expect(test.key).toMatch(/^mlp_test_[a-z0-9]{8}_[A-Za-z0-9_-]{32}$/);
    expect(test.key.startsWith(test.prefix)).toBe(true);
    expect(test.hash).toBe(hashApiKey(test.key));
    expect(test.hash).not.toContain(test.key);
    expect(generateApiKey("production").key.startsWith("mlp_live_")).toBe(true);
  });

  it("imports a chosen key, refusing short or header-unsafe ones", () => {
    expect(importApiKey("my-own-demo-key-for-scripts-0001").prefix).toBe("my-own-d…");
    expect(() => importApiKey("short")).toThrow(/24-128/);
    expect(() => importApiKey("has spaces in it and is long enough")).toThrow();
  });
});

describe("clientIp", () => {
  const h = (xff: string) => new Headers({ "x-forwarded-for": xff });
  it("takes the direct peer without proxies and skips trusted hops", () => {
    expect(clientIp(h("196.201.214.200"), 0)).toBe("196.201.214.200");
    expect(clientIp(h("1.2.3.4, 10.0.0.2"), 1)).toBe("1.2.3.4");
    expect(clientIp(h("::ffff:127.0.0.1"), 0)).toBe("127.0.0.1");
  });
  it("returns null for garbage", () => {
    expect(clientIp(h("not-an-ip"), 0)).toBeNull();
    expect(clientIp(new Headers(), 0)).toBeNull();
  });
});

describe("safeRedirectPath", () => {
  it("only allows same-site paths", () => {
    expect(safeRedirectPath("/payments?x=1")).toBe("/payments?x=1");
    expect(safeRedirectPath("https://evil.example")).toBe("/");
    expect(safeRedirectPath("//evil.example")).toBe("/");
    expect(safeRedirectPath("/\\evil.example")).toBe("/");
    expect(safeRedirectPath(null)).toBe("/");
  });
});

describe("passwordProblem", () => {
  it("asks for 10 to 256 characters", () => {
    expect(passwordProblem("short")).toMatch(/10/);
    expect(passwordProblem("long enough password")).toBeNull();
    expect(passwordProblem("x".repeat(257))).toMatch(/256/);
  });
});
