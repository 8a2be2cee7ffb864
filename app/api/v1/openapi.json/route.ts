// GET /api/v1/openapi.json: the REST API's OpenAPI 3.1 document, built from the routes' zod
// schemas (lib/api/openapi.ts). Public and cacheable: it holds no merchant data.
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { appUrl, getEnv } from "@/lib/env";

export function GET(): Response {
  return Response.json(buildOpenApiDocument({ serverUrl: appUrl(getEnv()) }), {
    headers: { "cache-control": "public, max-age=300" },
  });
}
