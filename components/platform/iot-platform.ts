import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig, EmulatorEndpoint } from "../config";
import { localHubHostName } from "../config/local-hub-names";
import { createAzurePlatform } from "./azure-platform";
import { LocalProvisioningService } from "./local-provisioning-service";

/**
 * How the enrollment resources reach the DPS. Structurally the `DpsConnectionArgs` of
 * docs/dps-contracts.md §0 (every field an Input), so it can be passed to them as is; an absent
 * field is `undefined`, never "".
 */
export interface DpsConnection {
  readonly serviceEndpoint: pulumi.Output<string>;
  /** Shared access policy connection string (a secret); absent when `useEntraId`. */
  readonly connectionString?: pulumi.Output<string>;
  /** Use Microsoft Entra ID (DefaultAzureCredential) instead of a shared key. */
  readonly useEntraId?: boolean;
  /** PEM of a private CA to trust (the local emulator); absent for Azure. */
  readonly trustedCaCertificate?: pulumi.Output<string>;
  /** With `useEntraId`: when the pipeline identity's data-plane role was assigned (ISO time). */
  readonly roleAssignedAt?: pulumi.Output<string>;
}

/** The platform's outputs, the same shape for the azure and local targets. */
export interface PlatformOutputs {
  readonly idScope: pulumi.Output<string>;
  readonly serviceEndpoint: pulumi.Output<string>;
  readonly deviceEndpoint: pulumi.Output<string>;
  /** Host name of every hub, keyed by its stack-config key (`hubs.<key>`); all are linked to the DPS. */
  readonly hubHostNames: pulumi.Output<Record<string, string>>;
  readonly dpsConnection: DpsConnection;
  /**
   * The resource that puts each CA certificate this stack uploads into the DPS, by certificate
   * name. Enrollments naming a CA in `caReferences` depend on it, so a group is created after
   * its CA and deleted before it (an `existing` CA has no resource here).
   */
  readonly caCertificates: Readonly<Record<string, pulumi.Resource>>;
}

export interface IotPlatformArgs {
  /** Validated stack config (`loadPlatformConfig()`). */
  readonly config: PlatformConfig;
}

/**
 * The whole platform of one stack: IoT hubs and a DPS linking them on Azure, or the same
 * settings applied to the local DPS emulator. Everything else in the program (enrollments)
 * only sees the outputs.
 */
export class IotPlatform extends pulumi.ComponentResource implements PlatformOutputs {
  public readonly idScope: pulumi.Output<string>;
  public readonly serviceEndpoint: pulumi.Output<string>;
  public readonly deviceEndpoint: pulumi.Output<string>;
  public readonly hubHostNames: pulumi.Output<Record<string, string>>;
  /** The linked hubs' host names (the values of `hubHostNames`), for the stack output and DPS checks. */
  public readonly linkedHubHostNames: pulumi.Output<string[]>;
  public readonly dpsConnection: DpsConnection;
  public readonly caCertificates: Readonly<Record<string, pulumi.Resource>>;

  constructor(name: string, args: IotPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dps-as-code:platform:IotPlatform", name, {}, opts);
    const { config } = args;

    // A local stack never constructs an azure-native or random resource: their provider
    // plugins are not available on our machines (loading their npm modules is harmless).
    const outputs =
      config.target.kind === "azure"
        ? createAzurePlatform(name, config, config.target.resourceGroup, this)
        : createLocalPlatform(name, config, config.target.emulator, this);

    this.idScope = outputs.idScope;
    this.serviceEndpoint = outputs.serviceEndpoint;
    this.deviceEndpoint = outputs.deviceEndpoint;
    this.hubHostNames = outputs.hubHostNames;
    this.linkedHubHostNames = outputs.hubHostNames.apply((names) => Object.values(names));
    this.dpsConnection = outputs.dpsConnection;
    this.caCertificates = outputs.caCertificates;

    this.registerOutputs({
      idScope: this.idScope,
      serviceEndpoint: this.serviceEndpoint,
      deviceEndpoint: this.deviceEndpoint,
      hubHostNames: this.hubHostNames,
      dpsConnection: this.dpsConnection,
    });
  }
}

/** Builds the platform a validated config describes; `index.ts` calls this once. */
export function createPlatform(
  config: PlatformConfig,
  name = "platform",
  opts?: pulumi.ComponentResourceOptions,
): IotPlatform {
  return new IotPlatform(name, { config }, opts);
}

export { localHubHostName };

function createLocalPlatform(
  name: string,
  config: PlatformConfig,
  emulator: EmulatorEndpoint,
  parent: pulumi.Resource,
): PlatformOutputs {
  const service = new LocalProvisioningService(
    `${name}-dps`,
    {
      serviceHost: emulator.serviceHost,
      connectionString: emulator.connectionString,
      trustedCaCertificate: emulator.caCertificate,
      allocationPolicy: config.dps.allocationPolicy,
      linkedHubs: config.hubs.map((hub) => ({
        hostName: localHubHostName(config, hub),
        location: hub.location,
        allocationWeight: hub.allocationWeight,
        applyAllocationPolicy: hub.applyAllocationPolicy,
      })),
      caCertificates: config.dps.caCertificates.map((c) => ({
        name: c.name,
        certificate: c.certificate,
        isVerified: c.verified,
      })),
    },
    { parent },
  );
  return {
    idScope: service.idScope,
    serviceEndpoint: pulumi.output(emulator.serviceHost),
    deviceEndpoint: pulumi.output(emulator.deviceHost),
    // Gated on the resource's outputs, so dependents wait until the emulator links the hubs.
    hubHostNames: service.linkedHubs.apply(() =>
      Object.fromEntries(config.hubs.map((hub) => [hub.key, localHubHostName(config, hub)])),
    ),
    // The emulator gets its certificates from the same resource that configures it.
    caCertificates: Object.fromEntries(config.dps.caCertificates.map((c) => [c.name, service])),
    dpsConnection: {
      serviceEndpoint: service.serviceHost,
      connectionString: pulumi.secret(emulator.connectionString),
      trustedCaCertificate: service.trustedCaCertificate,
    },
  };
}
