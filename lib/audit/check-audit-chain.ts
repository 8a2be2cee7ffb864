// The audit log page's chain check without walking the whole chain on every load: the whole
// chain is verified at most every FULL_CHECK_EVERY_MS (or when a person asks), and in between
// only the entries added since the last verified one, after re-reading that one. What an edit to
// an older entry would break is then found by the next whole walk, and the page says when that was.
import type { DbClient } from "../db-types";
import { type ChainCheck, verifyAuditChain } from "./verify-audit-chain";

/** How often a page load walks the whole chain rather than only its new entries. */
export const FULL_CHECK_EVERY_MS = 10 * 60_000;

export interface ChainCheckpoint {
  /** The last entry verified, and its hash. */
  seq: number;
  hash: string;
  /** When the whole chain, from its first entry, was last verified. */
  fullyVerifiedAt: Date;
}

/** Where each chain was last verified; per process (another instance walks the chain itself). */
export type ChainCheckpoints = Map<string, ChainCheckpoint>;
const processCheckpoints: ChainCheckpoints = new Map();

export type AuditChainStatus = ChainCheck & {
  /** When every entry of the chain was last verified (now when this call walked it all). */
  fullyVerifiedAt: Date | null;
  /** True when only the entries since the checkpoint were walked. */
  incremental: boolean;
};

/**
 * The chain's state: the whole chain when `full`, when there is no recent whole walk, or after
 * a break (a broken chain is walked whole on every call until it is intact again); otherwise
 * from the checkpoint.
 */
export async function checkAuditChain(
  db: DbClient,
  options: { chain: string; full?: boolean; now?: Date; checkpoints?: ChainCheckpoints },
): Promise<AuditChainStatus> {
  const now = options.now ?? new Date();
  const checkpoints = options.checkpoints ?? processCheckpoints;
  const last = checkpoints.get(options.chain);
  const fresh =
    last !== undefined &&
    !options.full &&
    now.getTime() - last.fullyVerifiedAt.getTime() < FULL_CHECK_EVERY_MS;
  const check = await verifyAuditChain(db, { chain: options.chain, from: fresh ? last : undefined });
  if (!check.ok) {
    checkpoints.delete(options.chain);
    return { ...check, fullyVerifiedAt: null, incremental: fresh };
  }
  const fullyVerifiedAt = fresh ? last.fullyVerifiedAt : now;
  checkpoints.set(options.chain, { seq: check.rows, hash: check.lastHash, fullyVerifiedAt });
  return { ...check, fullyVerifiedAt, incremental: fresh };
}
