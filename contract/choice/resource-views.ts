// What the individual-or-group advice reads, gathered from a stack's resources (their inputs by
// type token), so the policy pack and the PR report read the same enrollments: individual
// enrollments through either path (their own resources, or the entries of an EnrollmentSet read
// through the set-entry view), enrollment groups, and the DPS's CA certificates (the local DPS's
// list, or azure-native DPS certificates). The validator reads the manifests, where both paths are
// the same entries already.
import {
  entryInputs,
  isDpsCertificate,
  isEnrollmentGroup,
  isEnrollmentSet,
  isIndividualEnrollment,
  isLocalDps,
} from "../resources";
import {
  decodeEntries,
  decodeSecrets,
  type EnrollmentSetInputs,
  resolveEntryHubs,
  UNKNOWN_VALUE,
} from "../resources";
import type { DpsCaCertificate, GroupView, IndividualView } from "./enrollment-view";

export interface ChoiceResource {
  readonly type: string;
  /** The resource's inputs as plain data. */
  readonly inputs: Record<string, unknown>;
}

export interface ChoiceViews {
  readonly individualEnrollments: IndividualView[];
  readonly enrollmentGroups: GroupView[];
  readonly caCertificates: DpsCaCertificate[];
}

export function choiceViewsOf(resources: Iterable<ChoiceResource>): ChoiceViews {
  const views: ChoiceViews = { individualEnrollments: [], enrollmentGroups: [], caCertificates: [] };
  for (const { type, inputs } of resources) {
    if (isIndividualEnrollment(type) && typeof inputs["registrationId"] === "string")
      views.individualEnrollments.push(inputs as unknown as IndividualView);
    else if (isEnrollmentSet(type) && isSetEntries(inputs["enrollments"])) {
      // A set's inputs hold its entries as a map or one text, its stored outputs as lines or the
      // text (what a stack policy is handed for a set the change leaves alone): decodeEntries reads
      // them all. Hubs named by key read as the host names the set's hubHostNames gives them.
      const hubHostNames = inputs["hubHostNames"];
      const set = {
        ...inputs,
        enrollments: resolveEntryHubs(
          decodeEntries(inputs["enrollments"]),
          isRecord(hubHostNames) ? (hubHostNames as Record<string, string>) : undefined,
        ),
        secrets:
          isSetText(inputs["secrets"]) || isRecord(inputs["secrets"]) ? decodeSecrets(inputs["secrets"]) : {},
      } as unknown as EnrollmentSetInputs;
      for (const id of Object.keys(set.enrollments).sort())
        views.individualEnrollments.push(entryInputs(set, id) as unknown as IndividualView);
    } else if (isEnrollmentGroup(type) && typeof inputs["enrollmentGroupId"] === "string")
      views.enrollmentGroups.push(inputs as unknown as GroupView);
    else if (isLocalDps(type) && Array.isArray(inputs["caCertificates"]))
      views.caCertificates.push(...(inputs["caCertificates"] as DpsCaCertificate[]));
    else if (isDpsCertificate(type)) {
      const certificate = (inputs["properties"] as { certificate?: unknown } | undefined)?.certificate;
      if (typeof inputs["certificateName"] === "string" && typeof certificate === "string")
        views.caCertificates.push({ name: inputs["certificateName"], certificate });
    }
  }
  return views;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Entries as a map or as stored lines; not the preview's stand-in for a value known only at update. */
const isSetEntries = (value: unknown) =>
  isRecord(value) || (typeof value === "string" && value !== UNKNOWN_VALUE);

/** A set's text (set-text.ts), not a stand-in such as the unknown marker or a masked secret. */
const isSetText = (value: unknown): value is string => typeof value === "string" && value.startsWith("{");
