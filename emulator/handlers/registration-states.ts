import { ErrorCodes, notFound } from "../errors";
import { registrationStateView } from "../model/enrollments";
import { json, noContent, queryPage, requireEtag } from "./common";
import type { Handler } from "./types";
import { pageableOf } from "../state/store";

export const registrationStateHandlers: Record<string, Handler> = {
  DeviceRegistrationState_Get(ctx, req) {
    const id = req.params.id as string;
    const r = ctx.store.registrations.get(id);
    if (!r) throw notFound(`Registration ${id} not found`, ErrorCodes.notFound);
    return json(registrationStateView(r));
  },

  DeviceRegistrationState_Delete(ctx, req) {
    const id = req.params.id as string;
    const r = ctx.store.registrations.get(id);
    if (!r) throw notFound(`Registration ${id} not found`, ErrorCodes.notFound);
    requireEtag(req, r.etag, `registration ${r.registrationId}`);
    ctx.store.registrations.delete(id);
    return noContent();
  },

  /** The spec declares no body here, but the Node SDK sends the query spec: it is ignored. */
  DeviceRegistrationState_Query(ctx, req) {
    const groupId = (req.params.id as string).toLowerCase();
    const items = [...ctx.store.registrations.values()].filter(
      (r) => r.enrollmentGroupId?.toLowerCase() === groupId,
    );
    return queryPage(req, pageableOf(items), "DeviceRegistration", registrationStateView);
  },
};
