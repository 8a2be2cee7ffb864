// Ids that reach PostgreSQL's uuid columns: anything else would fail the query (a 500), so a
// malformed id is answered like an unknown one, "not found".
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}
