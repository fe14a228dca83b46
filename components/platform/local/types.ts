// The local target's DPS settings: what the program passes, what the provider receives and
// what it stores. Shared by the admin client, the provider and the resource.
import type * as pulumi from "@pulumi/pulumi";
import type { DpsAllocationPolicy as AllocationPolicy } from "@dps-as-code/contract";

export interface LocalLinkedHub {
  /** `<name>-<hubKey>.azure-devices.net`: deterministic, so enrollments can name it. */
  readonly hostName: string;
  readonly location: string;
  readonly allocationWeight: number;
  readonly applyAllocationPolicy: boolean;
}

export interface LocalCaCertificate {
  readonly name: string;
  readonly certificate: string;
  readonly isVerified: boolean;
}

/** Resource arguments (what the program passes). */
export interface LocalProvisioningServiceArgs {
  /** `host:port` of the emulator (changing it replaces the resource). */
  readonly serviceHost: pulumi.Input<string>;
  /** Service connection string with the `ServiceConfig` right; pass a secret. */
  readonly connectionString: pulumi.Input<string>;
  /** PEM of the emulator's CA, trusted for this connection only. */
  readonly trustedCaCertificate: pulumi.Input<string>;
  readonly allocationPolicy: pulumi.Input<AllocationPolicy>;
  readonly linkedHubs: pulumi.Input<pulumi.Input<LocalLinkedHub>[]>;
  readonly caCertificates: pulumi.Input<pulumi.Input<LocalCaCertificate>[]>;
}

/** What the provider receives, all values resolved. */
export interface LocalProvisioningServiceInputs {
  serviceHost: string;
  connectionString: string;
  trustedCaCertificate: string;
  allocationPolicy: AllocationPolicy;
  linkedHubs: LocalLinkedHub[];
  caCertificates: LocalCaCertificate[];
}

/** What the provider stores; `connectionString` stays (delete and read need it) as a secret. */
export interface LocalProvisioningServiceOutputs extends LocalProvisioningServiceInputs {
  idScope: string;
}
