// Secrets for a zero-setup local run, generated once and kept in .malipo/local.json (gitignored,
// mode 0600) so restarts reuse them: the session secret, the encryption key, the demo password
// and the demo API key. Production never uses this file: it must be configured explicitly.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { generateKeyringSpec } from "../../lib/crypto/keyring";
import { generateApiKey } from "../../lib/security/api-keys";

const localStateSchema = z.object({
  authSecret: z.string().min(32),
  encryptionKeys: z.string().min(1),
  demoPassword: z.string().min(10),
  demoApiKey: z.string().min(24),
});

export type LocalState = z.infer<typeof localStateSchema>;

export function loadLocalState(file: string): LocalState {
  if (existsSync(file)) {
    const parsed = localStateSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (parsed.success) return parsed.data;
    throw new Error(`${file} is damaged (${parsed.error.issues[0]?.message}); delete it to start afresh.`);
  }
  const state: LocalState = {
    authSecret: randomBytes(32).toString("base64url"),
    encryptionKeys: generateKeyringSpec("local1"),
    demoPassword: `demo-${randomBytes(6).toString("base64url")}`,
    demoApiKey: generateApiKey("simulator").key,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return state;
}
