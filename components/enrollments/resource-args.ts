/**
 * The resources' argument interfaces: the "Enrollment resources" contract, in DPS's own field
 * names, every field a `pulumi.Input`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type {
  AllocationPolicy,
  Attestation,
  CustomAllocationDefinition,
  InitialTwin,
  ProvisioningStatus,
  ReprovisionPolicy,
  TwinCollection,
} from "@dps-as-code/contract";

/** How the enrollment reaches its DPS (the "DPS connection" contract). */
export interface DpsConnectionArgs {
  /** `mydps.azure-devices-provisioning.net`, or `localhost:8443` for the local emulator. Changing it replaces the enrollment. */
  readonly serviceEndpoint: pulumi.Input<string>;
  /** Shared access policy connection string (needs EnrollmentWrite; RegistrationStatusWrite for `deleteRegistrationStateOnDelete`). Stored as a secret. */
  readonly connectionString?: pulumi.Input<string>;
  /** Use Microsoft Entra ID (`DefaultAzureCredential`, role "Device Provisioning Service Data Contributor") instead of a shared key. @default false */
  readonly useEntraId?: pulumi.Input<boolean>;
  /** PEM of a private CA to trust (the local emulator). @default absent: the system's trusted CAs (Azure) */
  readonly trustedCaCertificate?: pulumi.Input<string>;
  /** With `useEntraId`: when the data-plane role was assigned (ISO time); 401s within 10 minutes of it are retried as propagation. @default absent: a 401 is final */
  readonly roleAssignedAt?: pulumi.Input<string>;
}

/** Settings both kinds share. Absent fields take DPS's defaults, stated on each field. */
export interface EnrollmentCommonArgs {
  /**
   * How devices prove who they are. Symmetric keys: give both `primaryKey` and `secondaryKey`
   * (base64, 16 to 64 bytes), or neither and DPS generates them (read back as the `primaryKey` /
   * `secondaryKey` secret outputs). Changing the type replaces the enrollment.
   */
  readonly attestation: pulumi.Input<Attestation>;
  /** Hub host names the allocation chooses among. @default all hubs linked to the DPS */
  readonly iotHubs?: pulumi.Input<pulumi.Input<string>[]>;
  /** @default the DPS's own allocation policy */
  readonly allocationPolicy?: pulumi.Input<AllocationPolicy>;
  /** Required with `allocationPolicy: "custom"`, not allowed otherwise. The webhook URL is stored as a secret. */
  readonly customAllocationDefinition?: pulumi.Input<CustomAllocationDefinition>;
  /** @default { updateHubAssignment: true, migrateDeviceData: true } (DPS's default) */
  readonly reprovisionPolicy?: pulumi.Input<ReprovisionPolicy>;
  /** Tags and desired properties the device's twin starts with. @default none */
  readonly initialTwin?: pulumi.Input<InitialTwin>;
  /** @default { iotEdge: false } */
  readonly capabilities?: pulumi.Input<{ iotEdge: pulumi.Input<boolean> }>;
  /** @default "enabled" */
  readonly provisioningStatus?: pulumi.Input<ProvisioningStatus>;
  /** The DPS the enrollment lives in. */
  readonly dps: pulumi.Input<DpsConnectionArgs>;
  /** Host names of the hubs linked to the DPS, when known: check() then rejects `iotHubs` that are not linked. */
  readonly linkedHubs?: pulumi.Input<pulumi.Input<string>[]>;
  /** Adopt an enrollment that already exists with this id (keys and devices untouched) instead of failing. @default false */
  readonly adoptExisting?: pulumi.Input<boolean>;
  /** Also delete device registration states when the enrollment is deleted, so devices can be re-provisioned cleanly. @default false */
  readonly deleteRegistrationStateOnDelete?: pulumi.Input<boolean>;
  /** A written reason for using symmetric keys in production; read by the policy pack. @default absent */
  readonly allowSymmetricKeyInProduction?: pulumi.Input<string>;
  /** Free-form labels for the policy pack and reports. @default none */
  readonly labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface IndividualEnrollmentArgs extends EnrollmentCommonArgs {
  /** The device's registration id (for X.509: the certificate's CN). Changing it replaces the enrollment. */
  readonly registrationId: pulumi.Input<string>;
  /** The IoT Hub device id. @default the registration id */
  readonly deviceId?: pulumi.Input<string>;
  /** Extra information about the device, kept in DPS. @default none */
  readonly optionalDeviceInformation?: pulumi.Input<TwinCollection>;
}

export interface EnrollmentGroupArgs extends EnrollmentCommonArgs {
  /** The group's id. Changing it replaces the enrollment group. */
  readonly enrollmentGroupId: pulumi.Input<string>;
}
