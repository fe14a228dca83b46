// The last check of every entry: the enrollment resource's own check() (what `pulumi preview`
// runs, components/enrollments/validation.ts) on the inputs the fleet would pass. Values only
// the stack knows (keys, webhook URLs, the DPS connection, Azure hub names) go in as "unknown",
// as they are during a preview, so the check judges everything else. Whatever preview would
// refuse, the offline validator refuses first, from the same code.
import { UNKNOWN_VALUE } from "@dps-as-code/contract";
import { validateEnrollmentInputs } from "../enrollments/validation";
import type { EnrollmentGroupSpec, IndividualEnrollmentSpec, LoadManifestOptions } from "./types";

export interface ResourceCheckFailure {
  /** Dotted field path inside the entry, as the resource names it. */
  readonly field: string;
  readonly problem: string;
  readonly allowed: string | undefined;
}

export function checkAsResource(
  kind: "individualEnrollment" | "enrollmentGroup",
  spec: IndividualEnrollmentSpec | EnrollmentGroupSpec,
  options: LoadManifestOptions,
  now: Date,
): ResourceCheckFailure[] {
  const attestation =
    spec.attestation.type === "symmetricKey"
      ? {
          type: "symmetricKey",
          ...(spec.attestation.symmetricKey
            ? { symmetricKey: { primaryKey: UNKNOWN_VALUE, secondaryKey: UNKNOWN_VALUE } }
            : {}),
        }
      : spec.attestation;
  const inputs: Record<string, unknown> = {
    ...spec,
    source: undefined,
    previousIds: undefined,
    attestation,
    customAllocationDefinition: spec.customAllocationDefinition && {
      webhookUrl: UNKNOWN_VALUE,
      apiVersion: spec.customAllocationDefinition.apiVersion,
    },
    dps: UNKNOWN_VALUE,
    // Hub keys of an Azure stack become host names only when the hubs exist (a key whose host
    // name is undefined in `hubs`): until then the linked hubs are unknown, as in a preview.
    linkedHubs:
      options.linkedHubs && !Object.values(options.hubs ?? {}).includes(undefined)
        ? [...options.linkedHubs]
        : [UNKNOWN_VALUE],
  };
  return validateEnrollmentInputs(kind === "individualEnrollment" ? "individual" : "group", inputs, now).map(
    (failure) => {
      // "<problem>: <what is allowed>", the shape of the resource's messages.
      const at = failure.detail.indexOf(": ");
      return at < 0
        ? { field: failure.property, problem: failure.detail, allowed: undefined }
        : {
            field: failure.property,
            problem: failure.detail.slice(0, at),
            allowed: failure.detail.slice(at + 2),
          };
    },
  );
}
