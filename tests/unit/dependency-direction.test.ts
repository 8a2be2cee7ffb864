// The arrows of the architecture (README, Architecture): app/ and inngest/ call lib/, never the
// other way, and the payments core stays free of Next.js and of the environment. Checked on every
// import specifier, so an arrow that runs back up fails here instead of in a review.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file))
    .map((file) => path.join(folder, file).split(path.sep).join("/"));
}

/**
 * Where a specifier leads: a repository path without its extension ("inngest/client", "lib/env")
 * or a package ("npm:next/server"). Static, type-only, re-exported and dynamic imports all count.
 */
function importTargets(file: string, source: string): { specifier: string; target: string }[] {
  return ts.preProcessFile(source, true, true).importedFiles.map(({ fileName: specifier }) => {
    const local = specifier.startsWith("@/")
      ? specifier.slice(2)
      : specifier.startsWith(".")
        ? path.posix.join(path.posix.dirname(file), specifier)
        : undefined;
    const target = local === undefined ? `npm:${specifier}` : local.replace(/\.tsx?$/, "");
    return { specifier, target };
  });
}

const within = (folder: string) => (target: string) => target === folder || target.startsWith(`${folder}/`);

const rules = [
  { name: "lib/ never imports the repository's inngest/ folder", files: "lib", matches: within("inngest") },
  { name: "lib/ never imports app/", files: "lib", matches: within("app") },
  { name: "lib/payments/ never imports next", files: "lib/payments", matches: within("npm:next") },
  {
    name: "lib/payments/ never imports server-only",
    files: "lib/payments",
    matches: within("npm:server-only"),
  },
  {
    name: "lib/payments/ never imports lib/env (config is passed in)",
    files: "lib/payments",
    matches: (target: string) => target === "lib/env" || target === "lib/env/index",
  },
];

describe("dependency direction", () => {
  for (const { name, files, matches } of rules) {
    it(name, () => {
      const offenders = sourceFiles(files).flatMap((file) =>
        importTargets(file, readFileSync(path.join(root, file), "utf8"))
          .filter(({ target }) => matches(target))
          .map(({ specifier }) => `${file} imports "${specifier}"`),
      );
      expect(offenders).toEqual([]);
    });
  }

  it("reads every kind of import, and tells the inngest package from the inngest/ folder", () => {
    const source = [
      'import { Inngest } from "inngest";',
      'import type { X } from "@/inngest/context";',
      "export { y } from '../../../inngest/functions';",
      'const { getEnv } = await import("../../env");',
      'import "server-only";',
      'import { after } from "next/server";',
    ].join("\n");
    expect(importTargets("lib/payments/collections/x.ts", source).map(({ target }) => target)).toEqual([
      "npm:inngest",
      "inngest/context",
      "inngest/functions",
      "lib/env",
      "npm:server-only",
      "npm:next/server",
    ]);
    expect(within("inngest")("npm:inngest")).toBe(false);
    expect(within("npm:next")("npm:next-auth")).toBe(false);
  });
});
