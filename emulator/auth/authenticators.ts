import { X509Certificate } from "node:crypto";
import { DpsError, ErrorCodes, unauthorized } from "../errors";
import { header, type ParsedRequest } from "../http/request";
import { chainsTo, commonName, isCurrentlyValid, sameCertificate } from "../model/x509";
import type { EmulatorStore } from "../state/store";
import type { AccessRight, EnrollmentRef, X509AttestationRecord } from "../state/types";
import { deriveDeviceKey, isExpired, parseSasToken, signatureMatches, type SasToken } from "./sas";

/** Who is calling, once authenticated. */
export type Principal =
  | { kind: "anonymous" }
  | { kind: "service"; policyName: string; rights: ReadonlySet<AccessRight> }
  | {
      kind: "device";
      registrationId: string;
      attestation: "symmetricKey" | "x509";
      enrollment: EnrollmentRef;
      leaf?: X509Certificate;
    };

/** Authenticators form a chain: each passes, fails, or says the request is not its kind. */
export type AuthOutcome =
  { result: "pass"; principal: Principal } | { result: "fail"; error: DpsError } | { result: "not-mine" };

export interface Authenticator {
  readonly name: string;
  authenticate(req: ParsedRequest): AuthOutcome;
}

export interface AuthContext {
  store: EmulatorStore;
  /** Lower-cased host names a service token's `sr` may name (localhost:PORT, 127.0.0.1:PORT, …). */
  serviceAudiences(): ReadonlySet<string>;
}

const DEVICE_KEY_NAME = "registration";

/** A device path is /{idScope}/registrations/{registrationId}[/...]; the service API has none such. */
export function isDevicePath(segments: string[]): boolean {
  return (
    segments.length >= 3 &&
    segments[1]?.toLowerCase() === "registrations" &&
    segments[0]?.toLowerCase() !== "registrations"
  );
}

function parseToken(req: ParsedRequest): SasToken | DpsError | undefined {
  const auth = header(req, "authorization");
  if (!auth) return undefined;
  try {
    return parseSasToken(auth);
  } catch (e) {
    return unauthorized(`Malformed SharedAccessSignature: ${(e as Error).message}`);
  }
}

/** Service API: a SAS token signed with a shared access policy key. */
export function serviceSasAuthenticator(ctx: AuthContext): Authenticator {
  return {
    name: "service-sas",
    authenticate(req) {
      const token = parseToken(req);
      if (token === undefined) return { result: "not-mine" };
      if (token instanceof DpsError) return { result: "fail", error: token };
      if (token.keyName === undefined || token.keyName.toLowerCase() === DEVICE_KEY_NAME)
        return { result: "not-mine" };
      const policy = ctx.store.policies().find((p) => p.name.toLowerCase() === token.keyName?.toLowerCase());
      if (!policy)
        return {
          result: "fail",
          error: unauthorized(`Unauthorized: no shared access policy named ${token.keyName}`),
        };
      const audience = token.resource.toLowerCase().replace(/\/+$/, "");
      const audiences = ctx.serviceAudiences();
      const audienceOk = [...audiences].some((a) => audience === a || audience.startsWith(`${a}/`));
      if (!audienceOk) {
        return {
          result: "fail",
          error: unauthorized(
            `Unauthorized: the token's sr ${token.resource} is not this DPS (${[...audiences].join(", ")})`,
          ),
        };
      }
      if (isExpired(token))
        return {
          result: "fail",
          error: unauthorized("Unauthorized: the SharedAccessSignature has expired", ErrorCodes.tokenExpired),
        };
      // Both keys are always checked, so timing does not tell which one matched.
      const primary = signatureMatches(token, policy.primaryKey);
      const secondary = signatureMatches(token, policy.secondaryKey);
      if (!primary && !secondary) return { result: "fail", error: unauthorized() };
      return {
        result: "pass",
        principal: { kind: "service", policyName: policy.name, rights: new Set(policy.rights) },
      };
    },
  };
}

/**
 * Device API, symmetric key: `sr={idScope}/registrations/{registrationId}`, skn=registration,
 * signed with an individual enrollment's key or a group's derived key. The individual
 * enrollment is tried first, then the groups (DPS's matching order).
 */
export function deviceSasAuthenticator(ctx: AuthContext): Authenticator {
  return {
    name: "device-sas",
    authenticate(req) {
      const token = parseToken(req);
      if (token === undefined) return { result: "not-mine" };
      if (token instanceof DpsError) return { result: "fail", error: token };
      if (token.keyName !== undefined && token.keyName.toLowerCase() !== DEVICE_KEY_NAME)
        return { result: "not-mine" };
      const match = /^([^/]+)\/registrations\/(.+)$/i.exec(token.resource);
      const { idScope } = ctx.store.settings();
      if (!match || match[1]?.toLowerCase() !== idScope.toLowerCase()) {
        return {
          result: "fail",
          error: unauthorized(
            `Unauthorized: the token's sr must be ${idScope}/registrations/<registrationId>`,
          ),
        };
      }
      if (isExpired(token))
        return {
          result: "fail",
          error: unauthorized("Unauthorized: the SharedAccessSignature has expired", ErrorCodes.tokenExpired),
        };
      const registrationId = match[2] as string;
      const enrollment = findSymmetricKeyEnrollment(ctx.store, token, registrationId);
      if (!enrollment) return { result: "fail", error: unauthorized() };
      return {
        result: "pass",
        principal: { kind: "device", registrationId, attestation: "symmetricKey", enrollment },
      };
    },
  };
}

function findSymmetricKeyEnrollment(
  store: EmulatorStore,
  token: SasToken,
  registrationId: string,
): EnrollmentRef | undefined {
  const individual = store.enrollments.get(registrationId);
  if (individual?.attestation.type === "symmetricKey") {
    const { primaryKey, secondaryKey } = individual.attestation.symmetricKey;
    const a = signatureMatches(token, primaryKey);
    const b = signatureMatches(token, secondaryKey);
    if (a || b) return { kind: "individual", enrollment: individual };
  }
  for (const group of store.groups.values()) {
    if (group.attestation.type !== "symmetricKey") continue;
    const { primaryKey, secondaryKey } = group.attestation.symmetricKey;
    const a = signatureMatches(token, deriveDeviceKey(primaryKey, registrationId));
    const b = signatureMatches(token, deriveDeviceKey(secondaryKey, registrationId));
    if (a || b) return { kind: "group", enrollment: group };
  }
  return undefined;
}

/**
 * Device API, X.509: no Authorization header, a TLS client certificate whose CN is the
 * registration id. Individual enrollments match the certificate itself; groups match a signing
 * certificate or a verified CA (caReferences) anywhere up the presented chain.
 */
export function deviceX509Authenticator(ctx: AuthContext): Authenticator {
  return {
    name: "device-x509",
    authenticate(req) {
      if (header(req, "authorization") || !isDevicePath(req.segments)) return { result: "not-mine" };
      const leaf = req.peerCertificates[0];
      if (!leaf) return { result: "not-mine" };
      const invalid = (why: string) => ({
        result: "fail" as const,
        error: unauthorized(`Invalid certificate: ${why}`, ErrorCodes.invalidCertificate),
      });
      const registrationId = commonName(leaf);
      if (!registrationId) return invalid("the device certificate has no CN (the CN is the registration id)");
      if (!isCurrentlyValid(leaf))
        return invalid(`the certificate of ${registrationId} is outside its validity period`);
      const individual = ctx.store.enrollments.get(registrationId);
      if (individual?.attestation.type === "x509") {
        const certs = individual.attestation.x509.clientCertificates;
        const known = [certs?.primary, certs?.secondary]
          .filter((c) => c !== undefined)
          .map((c) => new X509Certificate(c.certificate));
        if (known.some((k) => sameCertificate(k, leaf))) {
          return {
            result: "pass",
            principal: {
              kind: "device",
              registrationId,
              attestation: "x509",
              enrollment: { kind: "individual", enrollment: individual },
              leaf,
            },
          };
        }
      }
      for (const group of ctx.store.groups.values()) {
        if (group.attestation.type !== "x509") continue;
        const anchors = groupAnchors(ctx.store, group.attestation.x509);
        if (anchors.length > 0 && chainsTo(req.peerCertificates, anchors)) {
          return {
            result: "pass",
            principal: {
              kind: "device",
              registrationId,
              attestation: "x509",
              enrollment: { kind: "group", enrollment: group },
              leaf,
            },
          };
        }
      }
      return invalid(`no enrollment matches the certificate of ${registrationId}`);
    },
  };
}

function groupAnchors(store: EmulatorStore, x509: X509AttestationRecord): X509Certificate[] {
  const pems: string[] = [];
  for (const c of [x509.signingCertificates?.primary, x509.signingCertificates?.secondary])
    if (c) pems.push(c.certificate);
  for (const name of [x509.caReferences?.primary, x509.caReferences?.secondary]) {
    const ca = name ? store.certificates.get(name) : undefined;
    // DPS only trusts CA certificates whose proof of possession was verified.
    if (ca?.isVerified) pems.push(ca.certificate);
  }
  return pems.map((p) => new X509Certificate(p));
}

/** TPM devices: stored and managed, but their registration is not emulated. */
export function tpmAuthenticator(): Authenticator {
  return {
    name: "device-tpm",
    authenticate(req) {
      const body = req.body as { tpm?: unknown } | undefined;
      if (!isDevicePath(req.segments) || !body || typeof body !== "object" || !("tpm" in body))
        return { result: "not-mine" };
      return {
        result: "fail",
        error: new DpsError(
          400,
          ErrorCodes.unsupportedAttestation,
          "TPM attestation is not supported by the emulator: TPM enrollments can be managed, but TPM devices cannot register",
        ),
      };
    },
  };
}

/** Runs the chain: the first authenticator that passes or fails decides; none → anonymous. */
export function authenticate(chain: readonly Authenticator[], req: ParsedRequest): Principal {
  for (const a of chain) {
    const outcome = a.authenticate(req);
    if (outcome.result === "pass") return outcome.principal;
    if (outcome.result === "fail") throw outcome.error;
  }
  return { kind: "anonymous" };
}
