// Staff passwords: argon2id (OWASP's first choice) through @node-rs/argon2, a maintained native
// binding that needs no build step.
import { hash, verify } from "@node-rs/argon2";
import type { ZxcvbnFactory } from "@zxcvbn-ts/core";

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

let estimator: Promise<ZxcvbnFactory> | undefined;

/**
 * zxcvbn-ts with its common and English dictionaries (several MB), loaded on the first password
 * set rather than at start-up, and only on the server: this module also hashes with a native
 * binding, so it can never reach a client bundle.
 */
function passwordEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([
    import("@zxcvbn-ts/core"),
    import("@zxcvbn-ts/language-common"),
    import("@zxcvbn-ts/language-en"),
  ]).then(
    ([core, common, en]) =>
      new core.ZxcvbnFactory({
        dictionary: { ...common.dictionary, ...en.dictionary },
        graphs: common.adjacencyGraphs,
        translations: en.translations,
      }),
  );
  return estimator;
}

/** The lowest zxcvbn score accepted: 3 is "safely unguessable" (about 10^8 guesses or more). */
export const MIN_PASSWORD_SCORE = 3;

/**
 * Why a new password is refused, or null when it is fine: 10 to 256 characters (the upper bound
 * caps hashing cost) and a zxcvbn score of at least 3, so common passwords, keyboard walks and
 * repeats like "aaaaaaaaaa" are refused. `userInputs` (the person's email, name) count as known
 * words. The message is built from zxcvbn's own feedback.
 */
export async function passwordProblem(password: string, userInputs: string[] = []): Promise<string | null> {
  if (password.length < 10) return "Use at least 10 characters.";
  if (password.length > 256) return "Use at most 256 characters.";
  // The email's local part and each word of a name are guessable on their own too.
  const inputs = userInputs.flatMap((input) => [input, ...input.toLowerCase().split(/[^\p{L}\p{N}]+/u)]);
  const result = (await passwordEstimator()).check(
    password,
    inputs.filter((w) => w.length >= 3),
  );
  if (result.score >= MIN_PASSWORD_SCORE) return null;
  const advice = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(" ");
  return `This password is too easy to guess.${advice ? ` ${advice}` : ""} A few unrelated words make a strong one.`;
}
