import { badRequest, DpsError, ErrorCodes } from "../errors";
import type { EmulatorContext } from "../context";
import { etagMatches } from "../model/values";
import { json } from "./common";
import { putEnrollmentGroup, putIndividualEnrollment } from "./enrollments";
import type { Handler } from "./types";

/** DPS: "Bulk device enrollment operation with maximum of 10 enrollments." */
export const MAX_BULK_ITEMS = 10;
const MODES = ["create", "update", "updateIfMatchETag", "delete"] as const;
type Mode = (typeof MODES)[number];

interface BulkKind {
  listField: "enrollments" | "enrollmentGroups";
  idField: "registrationId" | "enrollmentGroupId";
  label: string;
  exists(ctx: EmulatorContext, id: string): { etag: string; attestation: { type: string } } | undefined;
  put(
    ctx: EmulatorContext,
    item: unknown,
    ifMatch: (current: string | undefined, what: string) => void,
  ): void;
  remove(ctx: EmulatorContext, id: string): void;
}

const individual: BulkKind = {
  listField: "enrollments",
  idField: "registrationId",
  label: "individual enrollment",
  exists: (ctx, id) => ctx.store.enrollments.get(id),
  put: (ctx, item, ifMatch) => void putIndividualEnrollment(ctx, item, undefined, ifMatch),
  remove: (ctx, id) => {
    ctx.store.enrollments.delete(id);
    if (ctx.behaviour.individualDeleteRegistration === "deleted") ctx.store.registrations.delete(id);
  },
};

const group: BulkKind = {
  listField: "enrollmentGroups",
  idField: "enrollmentGroupId",
  label: "enrollment group",
  exists: (ctx, id) => ctx.store.groups.get(id),
  put: (ctx, item, ifMatch) => void putEnrollmentGroup(ctx, item, undefined, ifMatch),
  remove: (ctx, id) => void ctx.store.groups.delete(id),
};

/**
 * Per-item semantics (DPS does not document them; these are the emulator's): create on an
 * existing id fails (409) or overwrites (`bulkCreateOnExisting`, variants.ts), update creates or
 * replaces, updateIfMatchETag needs the item's etag to match (412) and the item to exist (404),
 * delete needs it to exist (404), a matching etag when it carries one (412), and the record's
 * attestation type unless `bulkDeleteItems` is "id" (400). Items are applied one by one; a
 * failed item does not undo the others. A malformed request (more than 10 items, an unknown
 * mode, a duplicate id) fails as a whole with 400.
 */
function runBulk(kind: BulkKind): Handler {
  return (ctx, req) => {
    const body = req.body as Record<string, unknown> | undefined;
    const mode = body?.mode;
    const items = body?.[kind.listField];
    if (!MODES.includes(mode as Mode)) {
      throw badRequest(
        `Bulk operation mode is ${JSON.stringify(mode)}; allowed: ${MODES.join(", ")}`,
        ErrorCodes.bulkInvalid,
      );
    }
    if (!Array.isArray(items) || items.length === 0) {
      throw badRequest(`Bulk operation needs a non-empty ${kind.listField} array`, ErrorCodes.bulkInvalid);
    }
    if (items.length > MAX_BULK_ITEMS) {
      throw badRequest(
        `Bulk operation has ${items.length} items; DPS allows at most ${MAX_BULK_ITEMS}`,
        ErrorCodes.bulkInvalid,
      );
    }
    const ids = items.map((item, i) => {
      const id = (item as Record<string, unknown> | null)?.[kind.idField];
      if (typeof id !== "string")
        throw badRequest(`${kind.listField}[${i}].${kind.idField} is required`, ErrorCodes.bulkInvalid);
      return id;
    });
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id.toLowerCase()))
        throw badRequest(`${kind.idField} ${id} appears twice in one bulk operation`, ErrorCodes.bulkInvalid);
      seen.add(id.toLowerCase());
    }
    const errors: Array<Record<string, unknown>> = [];
    items.forEach((item, i) => {
      const id = ids[i] as string;
      if (ctx.faults?.failsBulkItem()) {
        errors.push({
          [kind.idField]: id,
          errorCode: ErrorCodes.internal,
          errorStatus: "Injected fault: this item was not applied",
        });
        return;
      }
      try {
        applyOne(ctx, kind, mode as Mode, id, item);
      } catch (e) {
        if (!(e instanceof DpsError)) throw e;
        errors.push({ [kind.idField]: id, errorCode: e.errorCode, errorStatus: e.message });
      }
    });
    return json({ isSuccessful: errors.length === 0, errors });
  };
}

function applyOne(ctx: EmulatorContext, kind: BulkKind, mode: Mode, id: string, item: unknown): void {
  const existing = kind.exists(ctx, id);
  const what = `${kind.label} ${id}`;
  switch (mode) {
    case "create":
      if (existing && ctx.behaviour.bulkCreateOnExisting === "refuse")
        throw new DpsError(409, ErrorCodes.conflict, `${what} already exists`);
      return kind.put(ctx, item, () => {});
    case "update":
      return kind.put(ctx, item, () => {});
    case "updateIfMatchETag": {
      if (!existing) throw new DpsError(404, ErrorCodes.enrollmentNotFound, `${what} not found`);
      const etag = (item as { etag?: unknown }).etag;
      if (typeof etag !== "string" || !etagMatches(etag, existing.etag)) {
        throw new DpsError(
          412,
          ErrorCodes.preconditionFailed,
          `The etag of ${what} does not match its current etag`,
        );
      }
      return kind.put(ctx, item, () => {});
    }
    case "delete": {
      if (!existing) throw new DpsError(404, ErrorCodes.enrollmentNotFound, `${what} not found`);
      const type = (item as { attestation?: { type?: unknown } }).attestation?.type;
      if (
        ctx.behaviour.bulkDeleteItems === "record" &&
        (typeof type !== "string" || type.toLowerCase() !== existing.attestation.type.toLowerCase())
      ) {
        throw badRequest(
          `A bulk delete item must be the ${kind.label} as read (its attestation is ${JSON.stringify(type ?? null)}, ${what} has ${existing.attestation.type})`,
          ErrorCodes.bulkInvalid,
        );
      }
      const etag = (item as { etag?: unknown }).etag;
      if (typeof etag === "string" && etag !== "" && !etagMatches(etag, existing.etag)) {
        throw new DpsError(
          412,
          ErrorCodes.preconditionFailed,
          `The etag of ${what} does not match its current etag`,
        );
      }
      return kind.remove(ctx, id);
    }
  }
}

export const bulkHandlers: Record<string, Handler> = {
  IndividualEnrollment_RunBulkOperation: runBulk(individual),
  EnrollmentGroup_RunBulkOperation: runBulk(group),
};
