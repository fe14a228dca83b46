import {
  decodeEntries,
  decodeSecrets,
  describeEnrollment,
  type EnrollmentKind,
  isEnrollmentSet,
  isSetSharedInput,
  kindInfo,
  kindOfType,
  resolveHubReference,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";
import { isRecord, isUnknown, knownPath, knownProperty, whenKnown, UNKNOWN, type Unknown } from "./known";

// What the enrollment policies need to know about an enrollment, read from its inputs
// (docs/dps-contracts.md §0: DPS's own field names) through the unknown-aware readers. An enrollment is an
// IndividualEnrollment or EnrollmentGroup resource, or one entry of an EnrollmentSet: policies
// check each the same way and name it the same way, whichever mode the manifest chose.

export interface EnrollmentInputs {
  readonly kind: EnrollmentKind;
  /** `registrationId` or `enrollmentGroupId`, UNKNOWN during preview if computed. */
  readonly id: string | Unknown | undefined;
  /** "individual enrollment \"dev-001\"": how messages name the enrollment. */
  readonly label: string;
  /** The enrollment's inputs, as its own resource would hold them (for a set entry: a view). */
  readonly props: Record<string, unknown>;
}

export function enrollmentInputs(type: string, props: Record<string, unknown>): EnrollmentInputs | undefined {
  const kind = kindOfType(type);
  if (kind === undefined) {
    return undefined;
  }
  const rawId = knownProperty(props, kindInfo(kind).idField);
  const id = isUnknown(rawId) ? rawId : typeof rawId === "string" ? rawId : undefined;
  return { kind, id, label: labelOf(kind, id), props };
}

function labelOf(kind: EnrollmentKind, id: string | Unknown | undefined): string {
  return typeof id === "string"
    ? describeEnrollment(kind, id)
    : `${kindInfo(kind).label} (id unknown during preview)`;
}

/**
 * Every enrollment a resource declares: itself for an enrollment resource, each entry (by id) for
 * an EnrollmentSet, undefined for anything else. UNKNOWN when a set's entries are not known yet.
 */
export function enrollmentsOf(
  type: string,
  props: Record<string, unknown>,
): readonly EnrollmentInputs[] | Unknown | undefined {
  if (!isEnrollmentSet(type)) {
    const single = enrollmentInputs(type, props);
    return single === undefined ? undefined : [single];
  }
  const property = knownProperty(props, "enrollments");
  if (isUnknown(property) || property === UNKNOWN_VALUE) {
    return UNKNOWN;
  }
  // The entries are one text (contract/resources/set-text.ts) where the program sends the text;
  // a stack policy is handed a set's stored outputs when the change leaves the set alone, where
  // they are lines or the text (set-stored-form.ts). Both decode as the provider decodes them.
  const entries =
    typeof property === "string" ? (decodeEntries(property) as Record<string, unknown>) : property;
  if (!isRecord(entries)) {
    return [];
  }
  const ids = whenKnown(() => Object.keys(entries));
  if (isUnknown(ids)) {
    return UNKNOWN;
  }
  const secrets = setSecretsReader(props);
  return ids.sort().map((id) => ({
    kind: "individual",
    id,
    label: labelOf("individual", id),
    props: setEntryView(props, entries, id, secrets),
  }));
}

/** The set's secrets by id, decoded once for all its entries (a map, or one text). */
function setSecretsReader(setProps: Record<string, unknown>): () => Record<string, unknown> {
  let decoded: Record<string, unknown> | undefined;
  return () => {
    if (decoded !== undefined) return decoded;
    const secrets = setProps["secrets"];
    decoded = typeof secrets === "string" ? decodeSecrets(secrets) : isRecord(secrets) ? secrets : {};
    return decoded;
  };
}

/**
 * The hubs an entry names, as host names: an entry may name a hub by its key, which the set's
 * `hubHostNames` resolves (contract/resources/set-text.ts). Reading an unknown host name throws the
 * analyzer's UnknownValueError, so the policy's own "unknown during preview" path applies.
 */
function resolvedHubs(value: unknown, setProps: Record<string, unknown>): unknown {
  const hubHostNames = setProps["hubHostNames"];
  if (!Array.isArray(value) || !isRecord(hubHostNames)) return value;
  return value.map((hub) =>
    typeof hub === "string" ? resolveHubReference(hub, hubHostNames as Record<string, string>) : hub,
  );
}

/**
 * The inputs the entry's own IndividualEnrollment would have: the entry, its id (with its hubs
 * resolved through the set's `hubHostNames`), the set's `dps` and `linkedHubs`, and the webhook URL
 * the set keeps apart in `secrets[id]`. Reads go through the analyzer's proxies when a policy asks,
 * so a value unknown during preview is unknown here too.
 */
function setEntryView(
  setProps: Record<string, unknown>,
  entries: Record<string, unknown>,
  id: string,
  secrets: () => Record<string, unknown>,
): Record<string, unknown> {
  return new Proxy({} as Record<string, unknown>, {
    get: (_target, key) => {
      if (typeof key !== "string") {
        return undefined;
      }
      if (key === "registrationId") {
        return id;
      }
      if (isSetSharedInput(key)) {
        return setProps[key];
      }
      const entry = entries[id]; // throws UnknownValueError when the whole entry is unknown
      const value = isRecord(entry) ? entry[key] : undefined;
      if (key === "iotHubs") return resolvedHubs(value, setProps);
      return key === "customAllocationDefinition" && isRecord(value)
        ? withSetWebhook(value, secrets, id)
        : value;
    },
  });
}

function withSetWebhook(
  definition: Record<string, unknown>,
  secrets: () => Record<string, unknown>,
  id: string,
): Record<string, unknown> {
  return new Proxy({} as Record<string, unknown>, {
    get: (_target, key) => {
      if (key !== "webhookUrl" || definition["webhookUrl"] !== undefined) {
        return typeof key === "string" ? definition[key] : undefined;
      }
      const own = secrets()[id];
      return isRecord(own) ? own["webhookUrl"] : undefined;
    },
  });
}

export type AttestationType = "symmetricKey" | "x509" | "tpm";

/** The attestation mechanism, UNKNOWN during preview, undefined when absent or not recognised. */
export function attestationType(props: Record<string, unknown>): AttestationType | Unknown | undefined {
  const type = knownPath(props, ["attestation", "type"]);
  if (isUnknown(type)) {
    return type;
  }
  return type === "symmetricKey" || type === "x509" || type === "tpm" ? type : undefined;
}

/** A documented reason set on the enrollment (`allowSymmetricKeyInProduction`), if any. */
export function symmetricKeyException(props: Record<string, unknown>): string | Unknown | undefined {
  const reason = knownProperty(props, "allowSymmetricKeyInProduction");
  if (isUnknown(reason)) {
    return reason;
  }
  return typeof reason === "string" && reason.trim() !== "" ? reason.trim() : undefined;
}
