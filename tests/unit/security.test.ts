import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "@/lib/safe-redirect";
import { generateApiKey, hashApiKey, importApiKey } from "@/lib/security/api-keys";
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
    expect(importApiKey("my-own-demo-key-for-scripts-0001").prefix).toBe(
      `my-own-d…${hashApiKey("my-own-demo-key-for-scripts-0001").slice(0, 8)}`,
    );
    // Two custom keys sharing their first 8 characters still get different (unique) prefixes.
    expect(importApiKey("my-own-demo-key-for-scripts-0002").prefix).not.toBe(
      importApiKey("my-own-demo-key-for-scripts-0001").prefix,
    );
    expect(() => importApiKey("short")).toThrow(/24-128/);
    expect(() => importApiKey("has spaces in it and is long enough")).toThrow();
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
  it("asks for 10 to 256 characters", async () => {
    expect(await passwordProblem("short")).toMatch(/10/);
    expect(await passwordProblem("long enough password")).toBeNull();
    expect(await passwordProblem("x".repeat(257))).toMatch(/256/);
  });

  it("refuses common and repetitive passwords with zxcvbn's advice, and the person's own details", async () => {
    expect(await passwordProblem("aaaaaaaaaa")).toMatch(/too easy to guess.*Repeated characters/);
    expect(await passwordProblem("password123456")).toMatch(/commonly used password/);
    expect(await passwordProblem("qwertyuiop")).toMatch(/too easy to guess/);
    const inputs = ["wanjiku.kamau@example.com", "Wanjiku Kamau"];
    expect(await passwordProblem("wanjikukamau", inputs)).toMatch(/personal/);
    expect(await passwordProblem("wanjiku2024!", inputs)).toMatch(/personal/);
    expect(await passwordProblem("wanjiku2024!")).toBeNull();
  });
});
