// The OpenAPI document and the routes must not disagree: every app/api/v1/**/route.ts method is in
// the document with the API key scope its route declares, and every documented operation has its route; the document has OpenAPI 3.1's
// essential structure, every $ref resolves, and each example request parses with the schema the
// route parses with.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { API_OPERATIONS, buildOpenApiDocument, requestSchema, webhookComponent } from "@/lib/api/openapi";
import { EVENT_TYPES, TEST_EVENT_TYPE } from "@/lib/events/event-types";
import { checkPayoutFields } from "@/lib/payments/payouts/payout-input";

const root = path.resolve(__dirname, "../..");
const apiRoot = path.join(root, "app/api/v1");
const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** "METHOD /api/v1/path/{param}" for every exported method of every route file. */
function routeOperations(): string[] {
  const files = readdirSync(apiRoot, { recursive: true, encoding: "utf8" }).filter(
    (f) => path.basename(f) === "route.ts",
  );
  return files.flatMap((file) => {
    const source = ts.createSourceFile(
      file,
      readFileSync(path.join(apiRoot, file), "utf8"),
      ts.ScriptTarget.Latest,
    );
    const exported = new Set<string>();
    for (const statement of source.statements) {
      const isExported = ts.canHaveModifiers(statement)
        ? ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
        : false;
      if (ts.isFunctionDeclaration(statement) && isExported && statement.name)
        exported.add(statement.name.text);
      if (ts.isVariableStatement(statement) && isExported)
        for (const d of statement.declarationList.declarations)
          if (ts.isIdentifier(d.name)) exported.add(d.name.text);
      if (
        ts.isExportDeclaration(statement) &&
        statement.exportClause &&
        ts.isNamedExports(statement.exportClause)
      )
        for (const e of statement.exportClause.elements) exported.add(e.name.text);
    }
    const urlPath = `/api/v1/${path.dirname(file).split(path.sep).join("/")}`.replace(/\[(\w+)\]/g, "{$1}");
    return [...exported].filter((name) => HTTP_METHODS.includes(name)).map((m) => `${m} ${urlPath}`);
  });
}

/**
 * "METHOD /api/v1/path/{param}" → the scope its route file passes to `apiRoute(scope, …)`, or
 * null for an export that is not an apiRoute call (the public document).
 */
function routeScopes(): Record<string, string | null> {
  const files = readdirSync(apiRoot, { recursive: true, encoding: "utf8" }).filter(
    (f) => path.basename(f) === "route.ts",
  );
  const out: Record<string, string | null> = {};
  for (const file of files) {
    const source = ts.createSourceFile(
      file,
      readFileSync(path.join(apiRoot, file), "utf8"),
      ts.ScriptTarget.Latest,
    );
    const urlPath = `/api/v1/${path.dirname(file).split(path.sep).join("/")}`.replace(/\[(\w+)\]/g, "{$1}");
    for (const statement of source.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name && HTTP_METHODS.includes(statement.name.text))
        out[`${statement.name.text} ${urlPath}`] = null;
      if (!ts.isVariableStatement(statement)) continue;
      for (const d of statement.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || !HTTP_METHODS.includes(d.name.text)) continue;
        const call = d.initializer && ts.isCallExpression(d.initializer) ? d.initializer : undefined;
        const first = call?.arguments[0];
        out[`${d.name.text} ${urlPath}`] =
          call && ts.isIdentifier(call.expression) && call.expression.text === "apiRoute" && first
            ? ts.isStringLiteral(first)
              ? first.text
              : `(not a literal: ${first.getText(source)})`
            : null;
      }
    }
  }
  return out;
}

const doc = buildOpenApiDocument({ serverUrl: "https://malipo.example" });

function documentedOperations(): string[] {
  return Object.entries(doc.paths).flatMap(([p, methods]) =>
    Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`),
  );
}

// The parts of OpenAPI 3.1 a client generator and the reference page rely on.
const ref = z.object({ $ref: z.string().startsWith("#/") });
const mediaType = z.object({ schema: z.record(z.string(), z.unknown()), example: z.unknown().optional() });
const response = z.union([
  ref,
  z.object({ description: z.string().min(1), content: z.record(z.string(), mediaType).optional() }),
]);
const parameter = z.union([
  ref,
  z.object({
    name: z.string(),
    in: z.enum(["query", "header", "path", "cookie"]),
    required: z.boolean(),
    schema: z.record(z.string(), z.unknown()),
  }),
]);
const operation = z.strictObject({
  operationId: z.string().regex(/^[A-Za-z]\w*$/),
  tags: z.array(z.string()).min(1),
  summary: z.string().min(1),
  description: z.string().optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))),
  "x-malipo-scope": z.string().optional(),
  parameters: z.array(parameter).optional(),
  requestBody: z
    .object({ required: z.boolean(), content: z.object({ "application/json": mediaType }) })
    .optional(),
  responses: z.record(z.string().regex(/^[1-5]\d\d$/), response),
});
const openApi31 = z.object({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.object({ title: z.string(), version: z.string() }),
  servers: z.array(z.object({ url: z.string() })).min(1),
  security: z.array(z.record(z.string(), z.array(z.string()))),
  paths: z.record(
    z.string().startsWith("/"),
    z.partialRecord(z.enum(["get", "post", "put", "patch", "delete"]), operation),
  ),
  webhooks: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  components: z.object({
    securitySchemes: z.record(z.string(), z.object({ type: z.string() })),
    schemas: z.record(z.string(), z.record(z.string(), z.unknown())),
    responses: z.record(z.string(), response),
    parameters: z.record(z.string(), parameter),
  }),
});

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => (k === "$ref" && typeof v === "string" ? [v] : refsIn(v)));
}

describe("OpenAPI document", () => {
  it("lists exactly the methods the route files export", () => {
    expect(documentedOperations().sort()).toEqual(routeOperations().sort());
    expect(routeOperations().length).toBeGreaterThan(10);
  });

  it("names, for each operation, the scope its route declares", () => {
    const documented = Object.fromEntries(
      Object.entries(doc.paths).flatMap(([p, methods]) =>
        Object.entries(methods as Record<string, { security: Record<string, string[]>[] }>).map(([m, op]) => [
          `${m.toUpperCase()} ${p}`,
          op.security[0]?.apiKey?.[0] ?? null,
        ]),
      ),
    );
    expect(documented).toEqual(routeScopes());
    for (const op of API_OPERATIONS) {
      const operation = (doc.paths[op.path] as Record<string, Record<string, unknown>>)[op.method];
      expect(operation?.["x-malipo-scope"], `${op.method} ${op.path}`).toBe(op.scope ?? undefined);
      if (op.scope) expect(operation?.description).toContain(`\`${op.scope}\``);
    }
    // Only the document itself is public.
    expect(Object.values(routeScopes()).filter((scope) => scope === null)).toHaveLength(1);
  });

  it("is a valid OpenAPI 3.1 document (the specification's own JSON Schema)", async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(JSON.stringify(doc)));
    expect(result.errors ?? []).toEqual([]);
    expect(validator.version).toBe("3.1");
    // The validator does refuse a broken document (so a pass above means something).
    const broken = await new Validator().validate({
      ...JSON.parse(JSON.stringify(doc)),
      info: { title: "x" },
    });
    expect(broken.valid).toBe(false);
  });

  it("has OpenAPI 3.1's essential structure", () => {
    const result = openApi31.safeParse(JSON.parse(JSON.stringify(doc)));
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it("resolves every $ref and names path parameters the path has", () => {
    const json = JSON.parse(JSON.stringify(doc));
    for (const pointer of refsIn(json)) {
      const target = pointer
        .slice(2)
        .split("/")
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], json);
      expect(target, pointer).toBeDefined();
    }
    for (const [p, methods] of Object.entries(
      json.paths as Record<string, Record<string, { parameters?: { in?: string; name?: string }[] }>>,
    )) {
      const templated = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(methods)) {
        const declared = (op.parameters ?? []).filter((x) => x.in === "path").map((x) => x.name);
        expect(declared, `${method} ${p}`).toEqual(templated);
      }
    }
  });

  it("has example requests that parse with the routes' schemas", () => {
    for (const op of API_OPERATIONS.filter((o) => o.body)) {
      const schema = requestSchema(op.body?.schema ?? "");
      expect(schema, op.body?.schema).toBeDefined();
      const result = schema?.safeParse(op.body?.example);
      expect(result?.success ? [] : result?.error.issues, `${op.method} ${op.path}`).toEqual([]);
    }
  });

  it("has example payouts that the core's field-by-field check accepts", () => {
    const example = (method: string, p: string) =>
      API_OPERATIONS.find((o) => o.method === method && o.path === p)?.body?.example as Record<
        string,
        unknown
      >;
    const rows = [
      example("post", "/api/v1/payouts"),
      ...(example("post", "/api/v1/payout-batches").payouts as unknown[]),
    ];
    for (const row of rows)
      expect(checkPayoutFields(row, { maxAmount: 150_000 })).toMatchObject({ ok: true });
  });

  it("describes the webhook payload of every event type", () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES, TEST_EVENT_TYPE].sort());
    const schemas = doc.components.schemas as Record<
      string,
      { properties?: { type?: { const?: string }; data?: unknown } }
    >;
    for (const type of Object.keys(doc.webhooks)) {
      const payload = schemas[webhookComponent(type)];
      expect(payload?.properties?.type?.const, type).toBe(type);
      expect(payload?.properties?.data, type).toBeDefined();
    }
    expect(schemas[webhookComponent("payment.paid")]?.properties?.data).toEqual({
      $ref: "#/components/schemas/Payment",
    });
  });

  it("documents the error envelope, 422 field errors and Idempotency-Key", () => {
    const schemas = doc.components.schemas as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(schemas.Error?.properties ?? {})).toEqual(["error"]);
    expect(schemas.FieldError?.properties).toHaveProperty("index");
    const post = doc.paths["/api/v1/payouts"]?.post as {
      parameters: unknown[];
      responses: Record<string, unknown>;
    };
    expect(post.parameters).toContainEqual({ $ref: "#/components/parameters/IdempotencyKey" });
    expect(post.responses).toHaveProperty("422");
    expect(doc.paths["/api/v1/openapi.json"]?.get).toMatchObject({ security: [] });
  });
});
