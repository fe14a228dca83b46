/**
 * Plain (resolved) shapes of an EnrollmentSet, as its provider sees them. See README.md for the
 * contract other parts (PR report, policy pack) read.
 */
import type { DpsConnection, EnrollmentSettings, ProviderControls, SymmetricKeys } from "./enrollment";

/**
 * One entry: what an IndividualEnrollment takes, minus `dps`, `linkedHubs` and `registrationId`
 * (the map key), and minus its secrets (declared keys and the webhook URL live in `secrets`).
 */
export type SetEntry = EnrollmentSettings & Omit<ProviderControls, "dps" | "linkedHubs">;

/** The secrets one entry declares (secret input, so entries stay readable in previews). */
export interface EntrySecrets {
  primaryKey?: string;
  secondaryKey?: string;
  webhookUrl?: string;
}

export interface EnrollmentSetInputs {
  dps: DpsConnection;
  linkedHubs?: string[];
  /** `"07-of-32"`: this set's shard index and the stack's shard count. */
  shard: string;
  enrollments: Record<string, SetEntry>;
  secrets?: Record<string, EntrySecrets>;
  /**
   * Hub key -> IoT hub host name, for the hubs this set's entries name by key (set-text.ts,
   * resolveHubReference). The provider resolves `iotHubs` with it when it decodes its inputs, so
   * `enrollments` above always holds host names; it is kept in the outputs for refresh, which
   * names hubs by key again (hubReferenceOf).
   */
  hubHostNames?: Record<string, string>;
  /**
   * Ids hashing into this shard that the program declares as IndividualEnrollment resources: when
   * such an id leaves the set it is handed over (released), never deleted in DPS. Never a diff.
   */
  individuallyManaged?: string[];
  /** DPS's service-operation quota the set paces itself to (per DPS). Never a diff. @default 1000 */
  operationsPerMinute?: number;
  /**
   * "<organization>/<project>/<stack>" (ownership.ts): written on every record the set sends, and
   * what create checks before taking over an id that already exists. Never a diff.
   */
  owner?: string;
}

/**
 * What a set keeps of DPS's answer for one entry: the ETag, for If-Match on update and for
 * "keys unchanged" on refresh. Not DPS's times: nothing reads them (the drift report ignores
 * them), and at 100,000 entries they were about 8 MB of every checkpoint
 * (docs/design/set-stored-outputs.md, cut 1). An IndividualEnrollment keeps its times: they are
 * its user-facing outputs. `never` makes a writer that copies a record's times a type error.
 */
export interface EntryMetadata {
  etag: string;
  createdDateTimeUtc?: never;
  lastUpdatedDateTimeUtc?: never;
}

export interface EnrollmentSetOutputs extends EnrollmentSetInputs {
  serviceEndpoint: string;
  metadata: Record<string, EntryMetadata>;
  /** Symmetric keys as DPS holds them, per id (secret). */
  keys: Record<string, SymmetricKeys>;
  /** Ids handed over to IndividualEnrollment resources (kept while they are declared individually). */
  released: string[];
}
