// Type tokens the policies match on. Dynamic resources carry no static `__pulumiType`, so
// `validateResourceOfType` cannot match them: every policy compares `args.type` instead.

/** azure-native v3 token and the older `devices` / versioned tokens a stack may still carry. */
const IOT_HUB = /^azure-native:(?:iothub|devices)(?:\/v[0-9a-z]+)?:IotHubResource$/;
const DPS = /^azure-native:(?:deviceprovisioningservices|devices)(?:\/v[0-9a-z]+)?:IotDpsResource$/;
const DPS_CERTIFICATE =
  /^azure-native:(?:deviceprovisioningservices|devices)(?:\/v[0-9a-z]+)?:DpsCertificate$/;

export const INDIVIDUAL_ENROLLMENT_TYPE = "pulumi-nodejs:dynamic/dps:IndividualEnrollment";
export const ENROLLMENT_GROUP_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentGroup";
/** Many individual enrollments in one resource (the batch path; components/enrollments/sets/README.md). */
export const ENROLLMENT_SET_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentSet";
/** The local platform's stand-in for the DPS ARM resource (emulator admin API). */
export const LOCAL_DPS_TYPE = "pulumi-nodejs:dynamic/dps:LocalProvisioningService";

export const isIotHub = (type: string): boolean => IOT_HUB.test(type);
export const isAzureDps = (type: string): boolean => DPS.test(type);
export const isLocalDps = (type: string): boolean => type === LOCAL_DPS_TYPE;
export const isDpsCertificate = (type: string): boolean => DPS_CERTIFICATE.test(type);
export const isIndividualEnrollment = (type: string): boolean => type === INDIVIDUAL_ENROLLMENT_TYPE;
export const isEnrollmentGroup = (type: string): boolean => type === ENROLLMENT_GROUP_TYPE;
export const isEnrollmentSet = (type: string): boolean => type === ENROLLMENT_SET_TYPE;
export const isEnrollment = (type: string): boolean =>
  isIndividualEnrollment(type) || isEnrollmentGroup(type);

/** The fleet's record of declared enrollments, through which the pack sees deletions (components/fleet/enrollment-ledger.ts). */
export const ENROLLMENT_LEDGER_TYPE = "pulumi-nodejs:dynamic/dps:EnrollmentLedger";
export const isEnrollmentLedger = (type: string): boolean => type === ENROLLMENT_LEDGER_TYPE;
