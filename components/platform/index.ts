export { IotHub, DPS_LINK_POLICY_NAME, DPS_LINK_POLICY_RIGHTS, type IotHubArgs } from "./iot-hub";
export {
  ProvisioningService,
  ENROLLMENT_WRITER_POLICY_NAME,
  ENROLLMENT_WRITER_RIGHTS,
  OWNER_POLICY_NAME,
  OWNER_RIGHTS,
  DPS_DATA_CONTRIBUTOR_ROLE_ID,
  type LinkedHubArgs,
  type ProvisioningServiceArgs,
} from "./provisioning-service";
export {
  IotPlatform,
  createPlatform,
  localHubHostName,
  type DpsConnection,
  type PlatformOutputs,
  type IotPlatformArgs,
} from "./iot-platform";
export {
  LocalProvisioningService,
  localProvisioningServiceProvider,
  type LocalProvisioningServiceArgs,
  type LocalProvisioningServiceInputs,
  type LocalProvisioningServiceOutputs,
  type LocalLinkedHub,
  type LocalCaCertificate,
} from "./local-provisioning-service";
