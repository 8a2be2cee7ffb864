import { describe, expect, it } from "vitest";
import { uuidV7 } from "@/lib/ids";

describe("uuidV7", () => {
  it("is a version 7, RFC 9562 variant UUID carrying the current millisecond", () => {
    const before = Date.now();
    const id = uuidV7();
    const after = Date.now();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it("sorts by time and does not repeat", () => {
    const ids = Array.from({ length: 5000 }, () => uuidV7());
    expect(new Set(ids).size).toBe(ids.length);
    const stamps = ids.map((id) => id.slice(0, 13));
    expect([...stamps].sort()).toEqual(stamps);
  });
});
