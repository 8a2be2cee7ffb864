// Every plain pg pool in the app is made by createPgPool (lib/db.ts), which keeps a closed idle
// connection from crashing the server. A `new Pool(` anywhere else would bring that crash back.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

describe("pg pools", () => {
  it("are only made by createPgPool", () => {
    const offenders = ["lib", "app", "inngest"]
      .flatMap(sources)
      .filter((path) => path !== join("lib", "db.ts") && !path.startsWith(join("lib", "simulator")))
      .filter((path) => /new\s+(pg\.)?Pool\s*\(/.test(readFileSync(path, "utf8")));
    expect(offenders).toEqual([]);
  });
});
