// Who may change whom on a merchant's team. Owners and admins manage the team (team:manage);
// only an owner touches an owner, and nobody changes or removes themselves, so a merchant always
// keeps at least one owner and nobody can raise their own role.
import type { Role } from "../../prisma/generated/prisma/enums";
import { AppError } from "../errors";

/** Throws unless `actorRole` may grant `role` (inviting, or changing someone to it). */
export function assertMayGrant(actorRole: Role, role: Role): void {
  if (role === "owner" && actorRole !== "owner")
    throw new AppError("forbidden", "Only an owner can make someone an owner.");
  if (actorRole !== "owner" && actorRole !== "admin")
    throw new AppError("forbidden", "Only owners and admins manage the team.");
}

/** Throws unless `actor` may change or remove the member `target`. */
export function assertMayManage(
  actor: { userId: string; role: Role },
  target: { userId: string; role: Role },
): void {
  if (actor.userId === target.userId)
    throw new AppError("forbidden", "You cannot change or remove yourself: ask another owner or admin.");
  if (target.role === "owner" && actor.role !== "owner")
    throw new AppError("forbidden", "Only an owner can change or remove an owner.");
  if (actor.role !== "owner" && actor.role !== "admin")
    throw new AppError("forbidden", "Only owners and admins manage the team.");
}
