/**
 * The LocalProvisioningService dynamic provider: writes the local target's DPS settings (the
 * allocation policy, linked hubs and CA certificates the Azure target would configure) to the
 * emulator through its admin API, and reads them back for refresh.
 *
 * It runs in the dynamic-provider process, loaded by its stable name through the project's
 * provider entry (dynamic-providers.js); the connection string arrives as a secret input.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  DPS_ALLOCATION_POLICIES,
  type DpsAllocationPolicy as AllocationPolicy,
  missingConnectionStringFields,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";
import { adminRequest } from "./admin-client";
import type {
  LocalCaCertificate,
  LocalLinkedHub,
  LocalProvisioningServiceInputs,
  LocalProvisioningServiceOutputs,
} from "./types";

/** Fields whose change reconfigures the emulator in place. */
const UPDATABLE_FIELDS = [
  "allocationPolicy",
  "linkedHubs",
  "caCertificates",
  "connectionString",
  "trustedCaCertificate",
] as const;

/** PUT /admin/config with the DPS-level settings; returns the id scope the emulator reports. */
async function putConfig(inputs: LocalProvisioningServiceInputs, operation: string): Promise<string> {
  const body = {
    allocationPolicy: inputs.allocationPolicy,
    linkedHubs: inputs.linkedHubs.map((h) => ({
      hostName: h.hostName,
      location: h.location,
      allocationWeight: h.allocationWeight,
      applyAllocationPolicy: h.applyAllocationPolicy,
    })),
  };
  const res = await adminRequest(inputs, operation, "PUT", "/admin/config", body);
  const idScope = (res.body as { idScope?: unknown } | undefined)?.idScope;
  if (typeof idScope !== "string" || idScope === "") {
    throw new Error(
      `LocalProvisioningService ${operation}: PUT /admin/config on ${inputs.serviceHost} returned no idScope`,
    );
  }
  return idScope;
}

/** Uploads `wanted` certificates and removes those in `previous` that are no longer wanted. */
async function syncCertificates(
  inputs: LocalProvisioningServiceInputs,
  previous: readonly LocalCaCertificate[],
  operation: string,
): Promise<void> {
  for (const cert of inputs.caCertificates) {
    const path = `/admin/certificates/${encodeURIComponent(cert.name)}`;
    await adminRequest(inputs, operation, "PUT", path, {
      certificate: cert.certificate,
      isVerified: cert.isVerified,
    });
  }
  const wanted = new Set(inputs.caCertificates.map((c) => c.name));
  for (const cert of previous) {
    if (wanted.has(cert.name)) continue;
    const path = `/admin/certificates/${encodeURIComponent(cert.name)}`;
    await adminRequest(inputs, operation, "DELETE", path, undefined, [404]);
  }
}

/** Keeps only the resource's own fields (the host adds `__provider`). */
function ownInputs(props: LocalProvisioningServiceInputs): LocalProvisioningServiceInputs {
  return {
    serviceHost: props.serviceHost,
    connectionString: props.connectionString,
    trustedCaCertificate: props.trustedCaCertificate,
    allocationPolicy: props.allocationPolicy,
    linkedHubs: (props.linkedHubs ?? []).map((h) => ({
      hostName: h.hostName,
      location: h.location,
      allocationWeight: h.allocationWeight,
      applyAllocationPolicy: h.applyAllocationPolicy,
    })),
    caCertificates: (props.caCertificates ?? []).map((c) => ({
      name: c.name,
      certificate: c.certificate,
      isVerified: c.isVerified,
    })),
  };
}

function checkInputs(news: Partial<LocalProvisioningServiceInputs>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const known = (v: unknown) => v !== UNKNOWN_VALUE;
  if (
    known(news.serviceHost) &&
    !(typeof news.serviceHost === "string" && /^[A-Za-z0-9.-]+:\d{1,5}$/.test(news.serviceHost))
  ) {
    failures.push({
      property: "serviceHost",
      reason: `${JSON.stringify(news.serviceHost)} is not host:port (e.g. "localhost:8443")`,
    });
  }
  if (
    known(news.connectionString) &&
    !(
      typeof news.connectionString === "string" &&
      !missingConnectionStringFields(news.connectionString).some((f) => f !== "HostName")
    )
  ) {
    failures.push({
      property: "connectionString",
      reason: "must be a service connection string with SharedAccessKeyName and SharedAccessKey",
    });
  }
  if (
    known(news.trustedCaCertificate) &&
    !(
      typeof news.trustedCaCertificate === "string" &&
      news.trustedCaCertificate.includes("-----BEGIN CERTIFICATE-----")
    )
  ) {
    failures.push({
      property: "trustedCaCertificate",
      reason: "must be a PEM certificate (the emulator's CA)",
    });
  }
  if (
    known(news.allocationPolicy) &&
    !(DPS_ALLOCATION_POLICIES as readonly string[]).includes(news.allocationPolicy as string)
  ) {
    failures.push({
      property: "allocationPolicy",
      reason: `${JSON.stringify(news.allocationPolicy)} is not allowed; allowed ${DPS_ALLOCATION_POLICIES.join(", ")}`,
    });
  }
  if (known(news.linkedHubs) && !Array.isArray(news.linkedHubs))
    failures.push({ property: "linkedHubs", reason: "must be a list" });
  if (known(news.caCertificates) && !Array.isArray(news.caCertificates))
    failures.push({ property: "caCertificates", reason: "must be a list" });
  return failures;
}

/** The dynamic provider; exported so tests can drive it without the engine. */
export const localProvisioningServiceProvider: pulumi.dynamic.ResourceProvider<
  LocalProvisioningServiceInputs,
  LocalProvisioningServiceOutputs
> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkInputs(news) };
  },

  async diff(_id, olds, news) {
    // A different emulator is a different DPS.
    const replaces = olds.serviceHost !== news.serviceHost ? ["serviceHost"] : [];
    const changed = UPDATABLE_FIELDS.filter((f) => JSON.stringify(olds[f]) !== JSON.stringify(news[f]));
    return { changes: replaces.length > 0 || changed.length > 0, replaces, stables: ["idScope"] };
  },

  async create(props) {
    const inputs = ownInputs(props);
    const idScope = await putConfig(inputs, "create");
    await syncCertificates(inputs, [], "create");
    return { id: `${inputs.serviceHost}/${idScope}`, outs: { ...inputs, idScope } };
  },

  async read(id, props) {
    if (!props) {
      throw new Error(
        `LocalProvisioningService read ${id}: no stored state; import is not supported (the resource is created from stack config)`,
      );
    }
    const inputs = ownInputs(props);
    const res = await adminRequest(inputs, "read", "GET", "/admin/config");
    const live = res.body as {
      idScope: string;
      allocationPolicy: AllocationPolicy;
      linkedHubs?: LocalLinkedHub[];
    };
    const current: LocalProvisioningServiceOutputs = {
      ...inputs,
      allocationPolicy: live.allocationPolicy,
      linkedHubs: ownInputs({ ...inputs, linkedHubs: live.linkedHubs ?? [] }).linkedHubs,
      idScope: live.idScope,
    };
    // `inputs` lets refresh report drift against the program (Pulumi types them as outputs).
    return { id, props: current, inputs: ownInputs(current) as LocalProvisioningServiceOutputs };
  },

  async update(_id, olds, news) {
    const inputs = ownInputs(news);
    const idScope = await putConfig(inputs, "update");
    await syncCertificates(inputs, olds.caCertificates ?? [], "update");
    return { outs: { ...inputs, idScope } };
  },

  async delete(_id, props) {
    const inputs = ownInputs(props);
    try {
      await putConfig({ ...inputs, allocationPolicy: "hashed", linkedHubs: [] }, "delete");
      await syncCertificates({ ...inputs, caCertificates: [] }, inputs.caCertificates, "delete");
    } catch (err) {
      // An emulator that is no longer running has no live configuration left to remove;
      // refusing to delete would only block `pulumi destroy` of a local stack.
      if ((err as NodeJS.ErrnoException).code === "ECONNREFUSED") return;
      throw err;
    }
  },
};
