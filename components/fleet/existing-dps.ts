// The DPS of an enrollments-only stack (`dps-as-code:existingDps`): one the stack did not create,
// named by its endpoint or by a platform stack's outputs. Only a FleetPlatform is made of it: no
// hub, DPS or resource group is declared, so nothing but the enrollments is this stack's to
// change or delete.
import * as pulumi from "@pulumi/pulumi";
import type { EnrollmentStackConfig, ExistingDpsConfig } from "../config";
import type { DpsConnectionArgs } from "../enrollments";
import type { FleetPlatform } from "./index";

/** The existing DPS as the fleet and the stack outputs see it. */
export interface ExistingDps {
  readonly fleetPlatform: FleetPlatform;
  readonly serviceEndpoint: pulumi.Output<string>;
  /** The platform stack's `idScope` and `deviceEndpoint`; undefined when the DPS is named by endpoint. */
  readonly idScope: pulumi.Output<string> | undefined;
  readonly deviceEndpoint: pulumi.Output<string> | undefined;
  readonly linkedHubHostNames: pulumi.Output<string[]>;
}

/** The platform stack outputs an enrollment stack reads (index.ts exports them). */
export const PLATFORM_STACK_OUTPUTS = {
  serviceEndpoint: "serviceEndpoint",
  hubHostNames: "hubHostNames",
  idScope: "idScope",
  deviceEndpoint: "deviceEndpoint",
} as const;

export function existingDps(config: EnrollmentStackConfig): ExistingDps {
  const dps = config.existingDps;
  const where = dps.location;
  let serviceEndpoint: pulumi.Output<string>;
  let hubHostNames: pulumi.Output<Record<string, string>>;
  let idScope: pulumi.Output<string> | undefined;
  let deviceEndpoint: pulumi.Output<string> | undefined;
  if (where.kind === "platformStack") {
    // A StackReference reads another stack's outputs on the same backend, whatever it is
    // (https://www.pulumi.com/docs/iac/concepts/stacks/#stackreferences); it is a read, so
    // nothing of the platform stack is this stack's resource.
    const platform = new pulumi.StackReference(where.stackName);
    const read = <T>(name: string) => platform.requireOutput(name) as pulumi.Output<T>;
    serviceEndpoint = read<string>(PLATFORM_STACK_OUTPUTS.serviceEndpoint);
    hubHostNames = read<Record<string, string>>(PLATFORM_STACK_OUTPUTS.hubHostNames);
    idScope = read<string>(PLATFORM_STACK_OUTPUTS.idScope);
    deviceEndpoint = read<string>(PLATFORM_STACK_OUTPUTS.deviceEndpoint);
  } else {
    serviceEndpoint = pulumi.output(where.serviceEndpoint);
    hubHostNames = pulumi.output({ ...where.linkedHubs });
  }
  return {
    fleetPlatform: {
      dpsConnection: dpsConnection(dps, serviceEndpoint),
      hubHostNames,
      // Names only: the stack uploads no CA, so no enrollment waits for one.
      caCertificatePems: [],
    },
    serviceEndpoint,
    idScope,
    deviceEndpoint,
    linkedHubHostNames: hubHostNames.apply((names) => Object.values(names)),
  };
}

function dpsConnection(dps: ExistingDpsConfig, serviceEndpoint: pulumi.Output<string>): DpsConnectionArgs {
  const trust =
    dps.trustedCaCertificate !== undefined ? { trustedCaCertificate: dps.trustedCaCertificate } : {};
  // DPS's data plane accepts either a SAS token signed with a shared access policy key or a
  // Microsoft Entra ID token for a principal with a DPS data role
  // (https://learn.microsoft.com/azure/iot-dps/concepts-control-access-dps-azure-ad).
  return dps.credentials.kind === "entraId"
    ? { serviceEndpoint, useEntraId: true, ...trust }
    : { serviceEndpoint, connectionString: pulumi.secret(dps.credentials.connectionString), ...trust };
}
