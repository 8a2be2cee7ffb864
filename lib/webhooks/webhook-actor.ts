import type { AuditEntry } from "../audit/append-audit-log";

/** Who manages an endpoint: a signed-in user (dashboard) or an API key; recorded in the audit log. */
export type WebhookActor = AuditEntry["actor"];
