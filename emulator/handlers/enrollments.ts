import { badRequest, ErrorCodes, notFound, quotaExceeded } from "../errors";
import {
  attestationView,
  enrollmentGroupView,
  individualEnrollmentView,
  parseEnrollmentGroup,
  parseIndividualEnrollment,
  withWebhookUrlShown,
} from "../model/enrollments";
import type { EmulatorContext } from "../context";
import type { EnrollmentGroupRecord, IndividualEnrollmentRecord } from "../state/types";
import { checkQuerySpecification, json, noContent, queryPage, requireEtag } from "./common";
import type { Handler, RoutedRequest } from "./types";

/** DPS limits (docs/dps-contracts.md §5, §6). */
export const MAX_INDIVIDUAL_ENROLLMENTS = 1_000_000;
export const MAX_GROUPS_PER_ATTESTATION = 100;

const param = (req: RoutedRequest, name: string) => req.params[name] as string;

export function putIndividualEnrollment(
  ctx: EmulatorContext,
  body: unknown,
  pathId: string | undefined,
  ifMatch: (current: string | undefined, what: string) => void,
): IndividualEnrollmentRecord {
  const id =
    typeof (body as { registrationId?: unknown })?.registrationId === "string"
      ? (body as { registrationId: string }).registrationId
      : pathId;
  const existing = id ? ctx.store.enrollments.get(id) : undefined;
  const record = parseIndividualEnrollment(body, pathId, existing, ctx.validation());
  ifMatch(existing?.etag, `individual enrollment ${record.registrationId}`);
  if (!existing && ctx.store.enrollments.size >= MAX_INDIVIDUAL_ENROLLMENTS) {
    throw quotaExceeded(
      `This DPS already has ${MAX_INDIVIDUAL_ENROLLMENTS} individual enrollments, DPS's limit`,
    );
  }
  ctx.store.enrollments.set(record.registrationId, record);
  return record;
}

export function putEnrollmentGroup(
  ctx: EmulatorContext,
  body: unknown,
  pathId: string | undefined,
  ifMatch: (current: string | undefined, what: string) => void,
): EnrollmentGroupRecord {
  const id =
    typeof (body as { enrollmentGroupId?: unknown })?.enrollmentGroupId === "string"
      ? (body as { enrollmentGroupId: string }).enrollmentGroupId
      : pathId;
  const existing = id ? ctx.store.groups.get(id) : undefined;
  const record = parseEnrollmentGroup(body, pathId, existing, ctx.validation());
  ifMatch(existing?.etag, `enrollment group ${record.enrollmentGroupId}`);
  const type = record.attestation.type;
  if (existing?.attestation.type !== type) {
    const sameType = [...ctx.store.groups.values()].filter((g) => g.attestation.type === type).length;
    if (sameType >= MAX_GROUPS_PER_ATTESTATION) {
      throw quotaExceeded(
        `This DPS already has ${sameType} ${type} enrollment groups; DPS allows at most ${MAX_GROUPS_PER_ATTESTATION} per attestation type`,
      );
    }
  }
  ctx.store.groups.set(record.enrollmentGroupId, record);
  return record;
}

/** Every reply that carries an enrollment (GET, PUT, query) shows the webhook URL the same way. */
function shown(ctx: EmulatorContext, view: Record<string, unknown>): Record<string, unknown> {
  return withWebhookUrlShown(view, ctx.behaviour.webhookUrlsInReplies);
}

export const enrollmentHandlers: Record<string, Handler> = {
  IndividualEnrollment_Get(ctx, req) {
    const e = ctx.store.enrollments.get(param(req, "id"));
    if (!e)
      throw notFound(`Individual enrollment ${param(req, "id")} not found`, ErrorCodes.enrollmentNotFound);
    return json(
      shown(ctx, individualEnrollmentView(e, ctx.store.registrations.get(e.registrationId), false)),
    );
  },

  IndividualEnrollment_CreateOrUpdate(ctx, req) {
    const record = putIndividualEnrollment(ctx, req.body, param(req, "id"), (current, what) =>
      requireEtag(req, current, what),
    );
    // The PUT reply carries the (possibly generated) keys, as DPS's does.
    return json(
      shown(ctx, individualEnrollmentView(record, ctx.store.registrations.get(record.registrationId), true)),
    );
  },

  IndividualEnrollment_Delete(ctx, req) {
    const id = param(req, "id");
    const e = ctx.store.enrollments.get(id);
    if (!e) throw notFound(`Individual enrollment ${id} not found`, ErrorCodes.enrollmentNotFound);
    requireEtag(req, e.etag, `individual enrollment ${e.registrationId}`);
    ctx.store.enrollments.delete(id);
    // An individual enrollment embeds its registration state; whether it goes with it is not
    // documented (variants.ts). Devices stay in their IoT hub, as on Azure.
    if (ctx.behaviour.individualDeleteRegistration === "deleted") ctx.store.registrations.delete(id);
    return noContent();
  },

  IndividualEnrollment_Query(ctx, req) {
    checkQuerySpecification(req.body);
    const withRegistrationState = ctx.behaviour.registrationStateInListings === "included";
    return queryPage(req, ctx.store.enrollments, "Enrollment", (e) =>
      shown(
        ctx,
        individualEnrollmentView(
          e,
          withRegistrationState ? ctx.store.registrations.get(e.registrationId) : undefined,
          false,
        ),
      ),
    );
  },

  IndividualEnrollment_GetAttestationMechanism(ctx, req) {
    const e = ctx.store.enrollments.get(param(req, "id"));
    if (!e)
      throw notFound(`Individual enrollment ${param(req, "id")} not found`, ErrorCodes.enrollmentNotFound);
    return json(attestationView(e.attestation, true));
  },

  EnrollmentGroup_Get(ctx, req) {
    const g = ctx.store.groups.get(param(req, "id"));
    if (!g) throw notFound(`Enrollment group ${param(req, "id")} not found`, ErrorCodes.enrollmentNotFound);
    return json(shown(ctx, enrollmentGroupView(g, false)));
  },

  EnrollmentGroup_CreateOrUpdate(ctx, req) {
    const record = putEnrollmentGroup(ctx, req.body, param(req, "id"), (current, what) =>
      requireEtag(req, current, what),
    );
    return json(shown(ctx, enrollmentGroupView(record, true)));
  },

  EnrollmentGroup_Delete(ctx, req) {
    const id = param(req, "id");
    const g = ctx.store.groups.get(id);
    if (!g) throw notFound(`Enrollment group ${id} not found`, ErrorCodes.enrollmentNotFound);
    requireEtag(req, g.etag, `enrollment group ${g.enrollmentGroupId}`);
    // DPS keeps the group's registration records (they become orphans).
    ctx.store.groups.delete(id);
    return noContent();
  },

  EnrollmentGroup_Query(ctx, req) {
    checkQuerySpecification(req.body);
    return queryPage(req, ctx.store.groups, "EnrollmentGroup", (g) =>
      shown(ctx, enrollmentGroupView(g, false)),
    );
  },

  EnrollmentGroup_GetAttestationMechanism(ctx, req) {
    const g = ctx.store.groups.get(param(req, "id"));
    if (!g) throw notFound(`Enrollment group ${param(req, "id")} not found`, ErrorCodes.enrollmentNotFound);
    return json(attestationView(g.attestation, true));
  },
};

export function requireBody(req: RoutedRequest): void {
  if (req.body === undefined) throw badRequest("The request needs a JSON body");
}
