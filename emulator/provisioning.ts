import { callCustomAllocation, type WebhookSettings } from "./allocation/custom";
import { candidateHubs, effectivePolicy, pickHub } from "./allocation/allocate";
import type { Principal } from "./auth/authenticators";
import { ErrorCodes } from "./errors";
import type { Logger } from "./logger";
import { enrollmentGroupView, individualEnrollmentView, withWebhookUrlShown } from "./model/enrollments";
import { dpsTimestamp, newRegistrationEtag } from "./model/values";
import { certificateInfo } from "./model/x509";
import type { GeoLatencyModel } from "./options";
import type { EmulatorStore } from "./state/store";
import type {
  EnrollmentGroupRecord,
  EnrollmentRef,
  HubDevice,
  IndividualEnrollmentRecord,
  InitialTwin,
  RegistrationRecord,
  RegistrationSubstatus,
} from "./state/types";

export type DevicePrincipal = Extract<Principal, { kind: "device" }>;

export interface ProvisioningContext {
  store: EmulatorStore;
  geo: GeoLatencyModel;
  webhook: WebhookSettings;
  logger: Logger;
}

type Target =
  | { ok: true; hub: string; initialTwin?: InitialTwin; payload?: unknown }
  | { ok: false; errorCode: number; message: string };

/**
 * One device registration, with DPS's semantics: individual enrollment before groups, disabled
 * enrollments, allocation, reprovision policy (hub change, data migration or reset, substatus)
 * and the simulated IoT Hub registry. Returns the stored registration record.
 */
export async function provisionDevice(
  ctx: ProvisioningContext,
  principal: DevicePrincipal,
  payload: unknown,
): Promise<RegistrationRecord> {
  const { store } = ctx;
  const registrationId = principal.registrationId;
  const enrollment = principal.enrollment;
  const previous = store.registrations.get(registrationId);
  const now = dpsTimestamp();
  const base: RegistrationRecord = {
    registrationId,
    createdDateTimeUtc: previous?.createdDateTimeUtc ?? now,
    lastUpdatedDateTimeUtc: now,
    status: "assigning",
    etag: newRegistrationEtag(),
    attestationType: principal.attestation,
    ...(enrollment.kind === "group" ? { enrollmentGroupId: enrollment.enrollment.enrollmentGroupId } : {}),
    ...(previous?.initialHub ? { initialHub: previous.initialHub } : {}),
  };

  // A disabled individual enrollment with this registration id blocks the device even when it
  // authenticated through an enabled group (DPS's documented way to block one group device).
  const individual = store.enrollments.get(registrationId);
  if (
    enrollment.enrollment.provisioningStatus === "disabled" ||
    individual?.provisioningStatus === "disabled"
  ) {
    return save(store, { ...base, status: "disabled" });
  }

  const current =
    previous?.status === "assigned" && previous.assignedHub && previous.deviceId
      ? { hub: previous.assignedHub, deviceId: previous.deviceId }
      : undefined;
  const policy = enrollment.enrollment.reprovisionPolicy;
  const target = await chooseHub(ctx, principal, payload, current);
  if (!target.ok) {
    return save(store, {
      ...base,
      status: "failed",
      errorCode: target.errorCode,
      errorMessage: target.message,
    });
  }
  // "Never reprovision": the device keeps its hub whatever the allocation says.
  const hub = current && !policy.updateHubAssignment ? current.hub : target.hub;
  const enrollmentTwin = target.initialTwin ?? enrollment.enrollment.initialTwin;
  const desiredDeviceId =
    enrollment.kind === "individual" ? (enrollment.enrollment.deviceId ?? registrationId) : registrationId;
  const capabilities = { iotEdge: enrollment.enrollment.capabilities.iotEdge };

  let substatus: RegistrationSubstatus;
  let deviceId: string;
  const existing = current ? store.hubDevices(current.hub).get(current.deviceId) : undefined;
  if (!current || !existing) {
    deviceId = desiredDeviceId;
    writeDevice(store, hub, freshDevice(deviceId, registrationId, capabilities, enrollmentTwin));
    substatus = "initialAssignment";
  } else if (!policy.updateHubAssignment) {
    deviceId = current.deviceId;
    substatus = previous?.substatus ?? "initialAssignment";
  } else if (sameHub(hub, current.hub)) {
    deviceId = current.deviceId;
    if (policy.migrateDeviceData) {
      substatus = previous?.substatus ?? "initialAssignment";
    } else {
      // "Reprovision and reset to initial config" also works as a factory reset in place.
      writeDevice(store, hub, freshDevice(deviceId, registrationId, capabilities, enrollmentTwin));
      substatus = "deviceDataReset";
    }
  } else {
    store.hubDevices(current.hub).delete(current.deviceId);
    if (policy.migrateDeviceData) {
      deviceId = current.deviceId;
      writeDevice(store, hub, { ...existing, registrationId });
      substatus = "deviceDataMigrated";
    } else {
      deviceId = desiredDeviceId;
      writeDevice(store, hub, freshDevice(deviceId, registrationId, capabilities, enrollmentTwin));
      substatus = "deviceDataReset";
    }
    if (previous?.initialHub && sameHub(hub, previous.initialHub))
      substatus = "reprovisionedToInitialAssignment";
  }
  const record: RegistrationRecord = {
    ...base,
    status: "assigned",
    assignedHub: hub,
    deviceId,
    substatus,
    initialHub: base.initialHub ?? hub,
  };
  if (target.payload !== undefined) record.payload = target.payload;
  return save(store, record);
}

const sameHub = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function save(store: EmulatorStore, record: RegistrationRecord): RegistrationRecord {
  store.registrations.set(record.registrationId, record);
  return record;
}

function writeDevice(store: EmulatorStore, hub: string, device: HubDevice): void {
  store.hubDevices(hub).set(device.deviceId, device);
}

function freshDevice(
  deviceId: string,
  registrationId: string,
  capabilities: { iotEdge: boolean },
  twin: InitialTwin | undefined,
): HubDevice {
  return {
    deviceId,
    registrationId,
    capabilities,
    twin: {
      tags: structuredClone(twin?.tags ?? {}),
      properties: { desired: structuredClone(twin?.properties?.desired ?? {}) },
    },
  };
}

async function chooseHub(
  ctx: ProvisioningContext,
  principal: DevicePrincipal,
  payload: unknown,
  current: { hub: string; deviceId: string } | undefined,
): Promise<Target> {
  const enrollment = principal.enrollment.enrollment;
  const settings = ctx.store.settings();
  const hubs = candidateHubs(enrollment, settings);
  const policy = effectivePolicy(enrollment, settings);
  const noHub = (why: string): Target => ({
    ok: false,
    errorCode: ErrorCodes.noHubAvailable,
    message: `No IoT hub can be assigned: ${why}`,
  });
  if (policy === "custom") {
    const definition = enrollment.customAllocationDefinition;
    if (!definition)
      return noHub("allocationPolicy is custom but the enrollment has no customAllocationDefinition");
    // With "never reprovision" DPS still calls the webhook but offers only the current hub.
    const offered =
      current && !enrollment.reprovisionPolicy.updateHubAssignment
        ? [current.hub]
        : hubs.map((h) => h.hostName);
    if (offered.length === 0) return noHub("the enrollment's hubs are not linked to this DPS");
    return callCustomAllocation(
      definition,
      customRequest(principal, payload, current, offered),
      ctx.webhook,
      ctx.logger,
    );
  }
  if (hubs.length === 0) {
    return noHub(
      enrollment.iotHubs?.length || enrollment.iotHubHostName
        ? "the enrollment's hubs are not linked to this DPS"
        : "no linked hub has applyAllocationPolicy true",
    );
  }
  const hub = pickHub(policy, principal.registrationId, hubs, ctx.geo);
  return hub ? { ok: true, hub: hub.hostName } : noHub("allocation found no hub");
}

function customRequest(
  principal: DevicePrincipal,
  payload: unknown,
  current: { hub: string; deviceId: string } | undefined,
  linkedHubs: string[],
) {
  const ref: EnrollmentRef = principal.enrollment;
  const context: Record<string, unknown> = { registrationId: principal.registrationId };
  if (current) {
    context.currentIotHubHostName = current.hub;
    context.currentDeviceId = current.deviceId;
  }
  if (principal.attestation === "symmetricKey") context.symmetricKey = {};
  if (principal.leaf)
    context.x509 = { clientCertificate: { info: certificateInfo(principal.leaf.toString()) } };
  if (payload !== undefined) context.payload = payload;
  // DPS masks the webhook's query string (its function key) in the copy it sends: "…?****".
  const enrollmentView = withWebhookUrlShown(
    ref.kind === "individual"
      ? individualEnrollmentView(ref.enrollment as IndividualEnrollmentRecord, undefined, false)
      : enrollmentGroupView(ref.enrollment as EnrollmentGroupRecord, false),
    "masked",
  );
  return {
    ...(ref.kind === "individual"
      ? { individualEnrollment: enrollmentView }
      : { enrollmentGroup: enrollmentView }),
    deviceRuntimeContext: context as { registrationId: string },
    linkedHubs,
  };
}

/** DeviceRegistrationResult as the device API returns it. */
export function deviceRegistrationResult(
  record: RegistrationRecord,
  principal: DevicePrincipal,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const groupId =
    principal.enrollment.kind === "group" ? principal.enrollment.enrollment.enrollmentGroupId : undefined;
  if (principal.attestation === "x509" && principal.leaf) {
    result.x509 = {
      certificateInfo: certificateInfo(principal.leaf.toString()),
      ...(groupId ? { enrollmentGroupId: groupId } : {}),
    };
  } else if (principal.attestation === "symmetricKey" && groupId) {
    result.symmetricKey = { enrollmentGroupId: groupId };
  }
  result.registrationId = record.registrationId;
  result.createdDateTimeUtc = record.createdDateTimeUtc;
  if (record.assignedHub && record.status === "assigned") result.assignedHub = record.assignedHub;
  if (record.deviceId && record.status === "assigned") result.deviceId = record.deviceId;
  result.status = record.status;
  if (record.substatus && record.status === "assigned") result.substatus = record.substatus;
  if (record.errorCode !== undefined) result.errorCode = record.errorCode;
  if (record.errorMessage !== undefined) result.errorMessage = record.errorMessage;
  result.lastUpdatedDateTimeUtc = record.lastUpdatedDateTimeUtc;
  result.etag = record.etag;
  if (record.payload !== undefined) result.payload = record.payload;
  return result;
}
