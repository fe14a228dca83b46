/**
 * The owner marker: which stack wrote an enrollment, kept on the DPS record itself so that a
 * rerun after a kill recognises the enrollments its interrupted run created (README: "Interrupted
 * runs"). It is an initial-twin *tag*: the one free-form field of both kinds that devices never
 * see (IoT Hub twin tags are for back-end apps only). Written on every record the provider sends,
 * stripped from every record it reads, so it never shows as drift.
 */
import type { DpsEnrollmentRecord } from "../dps-client";
import type { InitialTwin } from "@dps-as-code/contract";

export const OWNER_TAG = "dpsAsCodeOwner";

/** "<organization>/<project>/<stack>": what the program passes as the `owner` input. */
export function ownerName(organization: string, project: string, stack: string): string {
  return `${organization}/${project}/${stack}`;
}

/** The record with this stack's marker added to its initial twin's tags. */
export function withOwnerTag(record: DpsEnrollmentRecord, owner: string | undefined): DpsEnrollmentRecord {
  if (!owner) return record;
  const twin = record.initialTwin ?? {};
  return { ...record, initialTwin: { ...twin, tags: { ...(twin.tags ?? {}), [OWNER_TAG]: owner } } };
}

/** The owner a record names, if any. */
export function ownerOf(record: DpsEnrollmentRecord): string | undefined {
  const value = record.initialTwin?.tags?.[OWNER_TAG];
  return typeof value === "string" ? value : undefined;
}

/** The initial twin without the marker (undefined when nothing else is left). */
export function withoutOwnerTag<T extends InitialTwin | DpsEnrollmentRecord["initialTwin"]>(
  twin: T,
): T | undefined {
  const tags = twin?.tags;
  if (!twin || !tags || !(OWNER_TAG in tags)) return twin ?? undefined;
  const { [OWNER_TAG]: _marker, ...rest } = tags;
  const result = { ...twin } as NonNullable<T> & { tags?: Record<string, unknown> };
  if (Object.keys(rest).length > 0) result.tags = rest;
  else delete result.tags;
  return Object.keys(result).length > 0 ? result : undefined;
}

/**
 * The stack that marked a record, when it is another stack than `owner`. Such a record is never
 * taken over, not even with `adoptExisting`: several stacks share one DPS (a platform stack and
 * enrollment stacks per team), and each manages only what it wrote or adopted.
 */
export function otherOwner(record: DpsEnrollmentRecord, owner: string | undefined): string | undefined {
  const marked = ownerOf(record);
  return marked !== undefined && marked !== owner ? marked : undefined;
}

/** Why a record marked by another stack is refused (both paths say it the same way). */
export function ownedByAnotherStack(endpoint: string, otherStack: string): string {
  return (
    `it is managed by stack ${otherStack} on DPS ${endpoint} (its owner marker, initialTwin.tags.${OWNER_TAG}), and no stack takes over another's enrollment, even with adoptExisting. ` +
    "Choose another id, or hand it over: drop it from that stack's state (pulumi state delete) and remove the marker tag, then adopt it here."
  );
}
