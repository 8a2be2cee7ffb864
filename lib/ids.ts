// Ids made in code for raw INSERTs, matching what Prisma's `@default(uuid(7))` makes.
import { randomUUID } from "node:crypto";

/**
 * A version 7 UUID (RFC 9562: 48 bits of Unix milliseconds, the version, then 74 random bits).
 * The random bits come from randomUUID, which draws on a pooled cache of entropy: on the callback
 * acknowledgement's path a fresh `randomBytes` call per id cost a system call each time.
 */
export function uuidV7(): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx
  const ms = Date.now().toString(16).padStart(12, "0");
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${random.slice(15)}`;
}
