// Staff passwords: argon2id (OWASP's first choice) through @node-rs/argon2, a maintained native
// binding that needs no build step.
import { hash, verify } from "@node-rs/argon2";

const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** A fixed hash verified against when the email is unknown, so timing does not reveal accounts. */
let dummyHash: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  dummyHash ??= hash("malipo-timing-equaliser", OPTIONS);
  const target = passwordHash ?? (await dummyHash);
  try {
    const ok = await verify(target, password);
    return ok && passwordHash !== null;
  } catch {
    return false;
  }
}

/** Rules for a new password: long enough to resist guessing, short enough to bound hashing cost. */
export function passwordProblem(password: string): string | null {
  if (password.length < 10) return "Use at least 10 characters.";
  if (password.length > 256) return "Use at most 256 characters.";
  return null;
}
