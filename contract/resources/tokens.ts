/**
 * Every resource type token the project registers or reads, and the predicates that match them.
 * The policy pack, the PR and drift reports and the components all compare against these: a
 * token is public contract (renaming one replaces real resources), so it is written once.
 *
 * Dynamic resources: `pulumi.dynamic.Resource` registers `pulumi-nodejs:dynamic/<module>:<type>`
 * (@pulumi/pulumi 3.260.0, dynamic/index.js); the project's module is "dps". Dynamic resources
 * carry no static `__pulumiType`, so the policy pack's `validateResourceOfType` cannot match them:
 * readers compare `type` strings with the predicates below.
 */

/** The module name of every dynamic resource of the project. */
export const DYNAMIC_MODULE = "dps";

/** The type names the project's dynamic resources register under `pulumi-nodejs:dynamic/dps:`. */
export type DynamicTypeName =
  | "IndividualEnrollment"
  | "EnrollmentGroup"
  | "EnrollmentSet"
  | "EnrollmentLedger"
  | "LocalProvisioningService"
  | "DpsCaCertificate";

/** The type token of a dynamic resource of the project. */
export function dynamicTypeToken<T extends DynamicTypeName>(typeName: T): `pulumi-nodejs:dynamic/dps:${T}` {
  return `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:${typeName}` as `pulumi-nodejs:dynamic/dps:${T}`;
}

export const INDIVIDUAL_ENROLLMENT_TYPE = dynamicTypeToken("IndividualEnrollment");
export const ENROLLMENT_GROUP_TYPE = dynamicTypeToken("EnrollmentGroup");
/** Many individual enrollments in one resource (the batch path; components/enrollments/sets/README.md). */
export const ENROLLMENT_SET_TYPE = dynamicTypeToken("EnrollmentSet");
/** The fleet's record of declared enrollments, through which the pack sees deletions. */
export const ENROLLMENT_LEDGER_TYPE = dynamicTypeToken("EnrollmentLedger");
/** The local platform's stand-in for the DPS ARM resource (emulator admin API). */
export const LOCAL_DPS_TYPE = dynamicTypeToken("LocalProvisioningService");
/**
 * A CA certificate of an Azure DPS, through ARM with the certificate's ETag (If-Match), which
 * azure-native's DpsCertificate cannot send on delete (components/platform/ca-certificate/).
 * Its inputs have the DpsCertificate's shape, so every reader of one reads the other.
 */
export const DPS_CA_CERTIFICATE_TYPE = dynamicTypeToken("DpsCaCertificate");

/** azure-native v3 tokens and the older `devices` / versioned tokens a stack may still carry. */
const IOT_HUB = /^azure-native:(?:iothub|devices)(?:\/v[0-9a-z]+)?:IotHubResource$/;
const DPS = /^azure-native:(?:deviceprovisioningservices|devices)(?:\/v[0-9a-z]+)?:IotDpsResource$/;
const DPS_CERTIFICATE =
  /^azure-native:(?:deviceprovisioningservices|devices)(?:\/v[0-9a-z]+)?:DpsCertificate$/;

export const isIotHub = (type: string): boolean => IOT_HUB.test(type);
export const isAzureDps = (type: string): boolean => DPS.test(type);
export const isLocalDps = (type: string): boolean => type === LOCAL_DPS_TYPE;
/** A DPS CA certificate: this project's resource, or azure-native's that older stacks may carry. */
export const isDpsCertificate = (type: string): boolean =>
  type === DPS_CA_CERTIFICATE_TYPE || DPS_CERTIFICATE.test(type);
export const isIndividualEnrollment = (type: string): boolean => type === INDIVIDUAL_ENROLLMENT_TYPE;
export const isEnrollmentGroup = (type: string): boolean => type === ENROLLMENT_GROUP_TYPE;
export const isEnrollmentSet = (type: string): boolean => type === ENROLLMENT_SET_TYPE;
export const isEnrollmentLedger = (type: string): boolean => type === ENROLLMENT_LEDGER_TYPE;
/** One enrollment per resource (not a set). */
export const isEnrollment = (type: string): boolean =>
  isIndividualEnrollment(type) || isEnrollmentGroup(type);
