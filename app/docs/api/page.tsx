// /docs/api: the REST API reference, rendered on the server from the same OpenAPI document as
// /api/v1/openapi.json. Plain HTML and CSS (no client script, nothing loaded from elsewhere), so it
// suits the nonce-based Content-Security-Policy and reads on a phone.
import type { Metadata } from "next";
import type { ReactNode } from "react";
import { API_OPERATIONS, buildOpenApiDocument, webhookComponent } from "@/lib/api/openapi";
import { appUrl, getEnv } from "@/lib/env";

export const metadata: Metadata = { title: "API reference" };

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  description?: string;
  default?: unknown;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
};

/** Text from the document with its `code` spans shown as code (the only markup it uses). */
function Prose({ text }: { text: string }) {
  return (
    <>
      {text.split("`").map((part, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one string have no other identity.
        i % 2 === 1 ? <code key={i}>{part}</code> : <span key={i}>{part}</span>,
      )}
    </>
  );
}

const refName = (ref: string) => ref.split("/").pop() ?? ref;
const anchor = (name: string) => `schema-${name}`;

/** A schema's type as a reader says it: "string (uuid)", "list of Payout", "one of: a, b". */
function typeOf(schema: JsonSchema): ReactNode {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return (
      <a className="text-green-700 underline" href={`#${anchor(name)}`}>
        {name}
      </a>
    );
  }
  const union = schema.anyOf ?? schema.oneOf;
  if (union) {
    return union.map((s, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: a schema's alternatives have no other identity.
      <span key={i}>
        {i > 0 && " or "}
        {typeOf(s)}
      </span>
    ));
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.type === "array" && schema.items) return <>list of {typeOf(schema.items)}</>;
  if (
    schema.type === "object" &&
    schema.additionalProperties &&
    typeof schema.additionalProperties === "object"
  )
    return <>map of {typeOf(schema.additionalProperties)}</>;
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
  return schema.format ? `${type} (${schema.format})` : type;
}

/** Limits, allowed values, defaults and examples, in one line. */
function constraints(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.enum) parts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER)
    parts.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) parts.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) parts.push(`at most ${schema.maxLength} characters`);
  if (schema.minItems !== undefined) parts.push(`at least ${schema.minItems} items`);
  if (schema.maxItems !== undefined) parts.push(`at most ${schema.maxItems} items`);
  if (schema.pattern && !schema.format) parts.push(`matches ${schema.pattern}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.examples?.length) parts.push(`e.g. ${JSON.stringify(schema.examples[0])}`);
  return parts.join("; ");
}

/** Nullable fields come out of zod as anyOf [X, null]: shown as X, "or null". */
function unwrapNull(schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const options = schema.anyOf;
  if (options?.length === 2 && options.some((s) => s.type === "null")) {
    const inner = options.find((s) => s.type !== "null") ?? {};
    return { schema: { ...inner, description: schema.description ?? inner.description }, nullable: true };
  }
  return { schema, nullable: false };
}

function FieldTable({ rows }: { rows: { name: string; schema: JsonSchema; required: boolean }[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-gray-500">
          <tr>
            <th className="py-1 pr-4 font-medium">Field</th>
            <th className="py-1 pr-4 font-medium">Type</th>
            <th className="py-1 font-medium">Notes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ name, schema: raw, required }) => {
            const { schema, nullable } = unwrapNull(raw);
            return (
              <tr key={name} className="border-t border-gray-100 align-top">
                <td className="py-1 pr-4 font-mono">
                  {name}
                  {required && <span className="ml-1 text-xs text-red-700">required</span>}
                </td>
                <td className="py-1 pr-4">
                  {typeOf(schema)}
                  {nullable && " or null"}
                </td>
                <td className="py-1 text-gray-700">
                  <Prose text={[schema.description, constraints(schema)].filter(Boolean).join(" — ")} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function SchemaTable({ schema }: { schema: JsonSchema }) {
  if (!schema.properties) return <p className="text-sm">{typeOf(schema)}</p>;
  const required = new Set(schema.required ?? []);
  return (
    <FieldTable
      rows={Object.entries(schema.properties).map(([name, s]) => ({
        name,
        schema: s,
        required: required.has(name),
      }))}
    />
  );
}

const METHOD_COLOUR: Record<string, string> = {
  get: "bg-blue-100 text-blue-800",
  post: "bg-green-100 text-green-800",
};

export default function ApiReferencePage() {
  const doc = buildOpenApiDocument({ serverUrl: appUrl(getEnv()) });
  const schemas = doc.components.schemas as Record<string, JsonSchema>;
  const tags = doc.tags.map((t) => t.name);
  const firstWebhook = Object.values(doc.webhooks)[0]?.post;
  const webhookDescription = firstWebhook?.description ?? "";
  const webhookHeaders = (firstWebhook?.parameters ?? []) as {
    name: string;
    required: boolean;
    description: string;
    schema: JsonSchema;
  }[];
  return (
    <main className="mx-auto max-w-4xl space-y-10 px-4 py-8 text-gray-900">
      <header className="space-y-2">
        <h1 className="text-2xl font-semibold">{doc.info.title}</h1>
        <p>
          <Prose text={doc.info.description} />
        </p>
        <p className="text-sm">
          Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>. Base URL{" "}
          <code>{doc.servers[0]?.url}</code>. Machine-readable:{" "}
          <a className="text-green-700 underline" href="/api/v1/openapi.json">
            /api/v1/openapi.json
          </a>{" "}
          (OpenAPI {doc.openapi}). Errors are{" "}
          <a className="text-green-700 underline" href={`#${anchor("Error")}`}>
            Error
          </a>
          .
        </p>
        <nav className="flex flex-wrap gap-3 text-sm">
          {tags.map((tag) => (
            <a key={tag} className="text-green-700 underline" href={`#tag-${tag.replace(/\W+/g, "-")}`}>
              {tag}
            </a>
          ))}
          <a className="text-green-700 underline" href="#webhooks">
            Webhooks
          </a>
          <a className="text-green-700 underline" href="#schemas">
            Schemas
          </a>
        </nav>
      </header>

      {tags.map((tag) => (
        <section key={tag} id={`tag-${tag.replace(/\W+/g, "-")}`} className="space-y-6">
          <h2 className="text-xl font-semibold">{tag}</h2>
          {API_OPERATIONS.filter((op) => op.tag === tag).map((op) => {
            const operation = (doc.paths[op.path] as Record<string, Record<string, unknown>>)[op.method] as {
              parameters?: (
                | { name: string; in: string; required: boolean; schema: JsonSchema }
                | { $ref: string }
              )[];
              responses: Record<string, { description?: string; $ref?: string }>;
            };
            const parameters = (operation.parameters ?? []).map((p) =>
              "$ref" in p
                ? (doc.components.parameters.IdempotencyKey as {
                    name: string;
                    in: string;
                    required: boolean;
                    schema: JsonSchema;
                    description: string;
                  })
                : p,
            );
            return (
              <article
                key={`${op.method} ${op.path}`}
                className="space-y-3 rounded border border-gray-200 p-4"
              >
                <h3 className="flex flex-wrap items-center gap-2 font-mono text-sm">
                  <span
                    className={`rounded px-2 py-0.5 font-semibold uppercase ${METHOD_COLOUR[op.method] ?? "bg-gray-100"}`}
                  >
                    {op.method}
                  </span>
                  <span className="break-all">{op.path}</span>
                </h3>
                <p className="font-medium">{op.summary}</p>
                {op.scope && (
                  <p className="text-sm text-gray-700">
                    API key scope: <code className="rounded bg-gray-100 px-1">{op.scope}</code>
                  </p>
                )}
                {op.description && (
                  <p className="text-sm text-gray-700">
                    <Prose text={op.description} />
                  </p>
                )}
                {parameters.length > 0 && (
                  <div>
                    <h4 className="text-sm font-semibold">Parameters</h4>
                    <FieldTable
                      rows={parameters.map((p) => ({
                        name: `${p.name} (${p.in})`,
                        schema:
                          "description" in p ? { ...p.schema, description: String(p.description) } : p.schema,
                        required: p.required,
                      }))}
                    />
                  </div>
                )}
                {op.body && (
                  <div className="space-y-2">
                    <h4 className="text-sm font-semibold">
                      Body:{" "}
                      <a className="text-green-700 underline" href={`#${anchor(op.body.schema)}`}>
                        {op.body.schema}
                      </a>
                      {op.body.optional && " (optional)"}
                    </h4>
                    <SchemaTable schema={schemas[op.body.schema] ?? {}} />
                    <pre className="overflow-x-auto rounded bg-gray-50 p-2 text-xs">
                      {JSON.stringify(op.body.example, null, 2)}
                    </pre>
                  </div>
                )}
                <div>
                  <h4 className="text-sm font-semibold">Responses</h4>
                  <ul className="text-sm">
                    {Object.entries(operation.responses).map(([status, response]) => (
                      <li key={status}>
                        <span className="font-mono">{status}</span>{" "}
                        {status === String(op.success.status) && op.success.schema ? (
                          <a className="text-green-700 underline" href={`#${anchor(op.success.schema)}`}>
                            {op.success.schema}
                          </a>
                        ) : null}{" "}
                        {response.description ??
                          (doc.components.responses as Record<string, { description: string }>)[
                            refName(response.$ref ?? "")
                          ]?.description}
                      </li>
                    ))}
                  </ul>
                </div>
              </article>
            );
          })}
        </section>
      ))}

      <section id="webhooks" className="space-y-4">
        <h2 className="text-xl font-semibold">Webhooks</h2>
        <p className="text-sm text-gray-700">
          <Prose text={webhookDescription} />
        </p>
        <FieldTable
          rows={webhookHeaders.map((h) => ({
            name: `${h.name} (header)`,
            schema: { ...h.schema, description: h.description },
            required: h.required,
          }))}
        />
        <ul className="space-y-1 text-sm">
          {Object.keys(doc.webhooks).map((type) => (
            <li key={type}>
              <span className="font-mono">{type}</span>: body{" "}
              <a className="text-green-700 underline" href={`#${anchor(webhookComponent(type))}`}>
                {webhookComponent(type)}
              </a>
            </li>
          ))}
        </ul>
      </section>

      <section id="schemas" className="space-y-6">
        <h2 className="text-xl font-semibold">Schemas</h2>
        {Object.entries(schemas).map(([name, schema]) => (
          <div key={name} id={anchor(name)} className="space-y-2">
            <h3 className="font-mono font-semibold">{name}</h3>
            {schema.description && <p className="text-sm text-gray-700">{schema.description}</p>}
            <SchemaTable schema={schema} />
          </div>
        ))}
      </section>
    </main>
  );
}
