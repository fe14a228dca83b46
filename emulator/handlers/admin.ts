import { X509Certificate } from "node:crypto";
import { badRequest, conflict, notFound, quotaExceeded } from "../errors";
import { parseAllocationSettings, settingsView } from "../model/settings";
import { dpsTimestamp } from "../model/values";
import { normaliseCertificate } from "../model/x509";
import type { EmulatorStore } from "../state/store";
import type { CaCertificateRecord, HubDevice } from "../state/types";
import { json, noContent } from "./common";
import type { Handler } from "./types";

/** DPS limit: 25 CA certificates. */
export const MAX_CA_CERTIFICATES = 25;
const CERTIFICATE_NAME = /^[A-Za-z0-9-._]{1,64}$/;

export function certificateView(c: CaCertificateRecord) {
  const cert = new X509Certificate(c.certificate);
  return {
    name: c.name,
    isVerified: c.isVerified,
    subject: cert.subject.split("\n").join(", "),
    thumbprint: cert.fingerprint.replace(/:/g, ""),
    expiry: new Date(cert.validTo).toISOString(),
    created: c.created,
    updated: c.updated,
  };
}

/** The simulated IoT Hub registries: linked hubs first, then any unlinked hub that still has devices. */
export function hubsView(store: EmulatorStore): Array<{ hostName: string; devices: HubDevice[] }> {
  const names = new Map<string, string>();
  for (const h of store.settings().linkedHubs) names.set(h.hostName.toLowerCase(), h.hostName);
  for (const h of store.hubHostNames()) if (!names.has(h)) names.set(h, h);
  return [...names.values()]
    .map((hostName) => ({
      hostName,
      devices: [...store.hubDevices(hostName).values()].map((d) => structuredClone(d)),
    }))
    .filter((h, i) => i < store.settings().linkedHubs.length || h.devices.length > 0);
}

/** Upserts a CA certificate (admin API and config file). */
export function putCertificate(store: EmulatorStore, name: string, body: unknown): CaCertificateRecord {
  if (!CERTIFICATE_NAME.test(name)) {
    throw badRequest(
      `Certificate name ${JSON.stringify(name)} is invalid; allowed: 1 to 64 letters, digits, '-', '.', '_'`,
    );
  }
  const input = body as { certificate?: unknown; isVerified?: unknown } | undefined;
  const certificate = normaliseCertificate(input?.certificate, `certificate ${name}: certificate`);
  if (input?.isVerified !== undefined && typeof input.isVerified !== "boolean") {
    throw badRequest(`certificate ${name}: isVerified must be true or false`);
  }
  const existing = store.certificates.get(name);
  if (!existing && store.certificates.size >= MAX_CA_CERTIFICATES) {
    throw quotaExceeded(`This DPS already has ${MAX_CA_CERTIFICATES} CA certificates, DPS's limit`);
  }
  const now = dpsTimestamp();
  const record: CaCertificateRecord = {
    name: existing?.name ?? name,
    certificate,
    isVerified: input?.isVerified === true,
    created: existing?.created ?? now,
    updated: now,
  };
  store.certificates.set(name, record);
  return record;
}

export const adminHandlers: Record<string, Handler> = {
  Admin_GetConfig(ctx) {
    return json(settingsView(ctx.store.settings()));
  },

  Admin_PutConfig(ctx, req) {
    if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) {
      throw badRequest('The body must be { "allocationPolicy": ..., "linkedHubs": [...] }');
    }
    const current = ctx.store.settings();
    const parsed = parseAllocationSettings(req.body as object, "", current);
    // GET never returns hub connection strings, so a read-modify-write must not erase them.
    const linkedHubs = parsed.linkedHubs.map((h) => {
      const old = current.linkedHubs.find((o) => o.hostName.toLowerCase() === h.hostName.toLowerCase());
      return h.connectionString === undefined && old?.connectionString
        ? { ...h, connectionString: old.connectionString }
        : h;
    });
    ctx.store.setSettings({ ...current, allocationPolicy: parsed.allocationPolicy, linkedHubs });
    ctx.logger.info(
      `allocation settings changed: policy ${parsed.allocationPolicy}, ${linkedHubs.length} linked hub(s)`,
    );
    return json(settingsView(ctx.store.settings()));
  },

  Admin_ListCertificates(ctx) {
    return json([...ctx.store.certificates.values()].map(certificateView));
  },

  Admin_GetCertificate(ctx, req) {
    const c = ctx.store.certificates.get(req.params.name as string);
    if (!c) throw notFound(`CA certificate ${req.params.name} not found`);
    return json(certificateView(c));
  },

  Admin_PutCertificate(ctx, req) {
    return json(certificateView(putCertificate(ctx.store, req.params.name as string, req.body)));
  },

  Admin_DeleteCertificate(ctx, req) {
    const name = req.params.name as string;
    if (!ctx.store.certificates.get(name)) throw notFound(`CA certificate ${name} not found`);
    const users = [...ctx.store.groups.values(), ...ctx.store.enrollments.values()]
      .filter(
        (e) =>
          e.attestation.type === "x509" &&
          [e.attestation.x509.caReferences?.primary, e.attestation.x509.caReferences?.secondary].some(
            (r) => r?.toLowerCase() === name.toLowerCase(),
          ),
      )
      .map((e) => ("enrollmentGroupId" in e ? e.enrollmentGroupId : e.registrationId));
    if (users.length > 0)
      throw conflict(
        `CA certificate ${name} is referenced by ${users.join(", ")}; remove those references first`,
      );
    ctx.store.certificates.delete(name);
    return noContent();
  },

  Admin_ListHubs(ctx) {
    return json(hubsView(ctx.store));
  },
};
