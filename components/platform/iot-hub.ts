import * as pulumi from "@pulumi/pulumi";
import * as iothub from "@pulumi/azure-native/iothub";
import type { HubIdentity, HubNetworkRuleSets, IotHubSkuName, PublicNetworkAccess } from "../config";
import { ADOPTED_HUB_KEPT_PROPERTIES, keptPolicies, primaryKeyOf } from "./adoption";
import { sharedAccessKeys } from "./shared-access-keys";

/**
 * Name of the hub's shared access policy that DPS uses to link the hub. Renaming it
 * rotates the DPS link (new policy, new key), so treat it as public contract.
 */
export const DPS_LINK_POLICY_NAME = "dps-link";

/**
 * Rights DPS needs on a linked hub: "DPS needs the following permissions on the IoT hub:
 * RegistryWrite and ServiceConnect" (Learn: how-to-manage-linked-iot-hubs). Not `iothubowner`.
 */
export const DPS_LINK_POLICY_RIGHTS = iothub.AccessRights.RegistryWrite_ServiceConnect;

export interface IotHubArgs {
  /** Resource group the hub is created in. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Globally unique hub name (3-50 letters, digits, '-'); the host name is `<hubName>.azure-devices.net`. */
  readonly hubName: pulumi.Input<string>;
  /** Azure region of the hub; DPS also needs it for the link (`iotHubs[].location`). */
  readonly location: string;
  /** SKU (`F1`, `B1`-`B3`, `S1`-`S3`). */
  readonly sku: IotHubSkuName;
  /** Number of hub units. */
  readonly units: number;
  /** Partitions of the built-in Event Hub-compatible endpoint (fixed after creation). */
  readonly partitionCount: number;
  /** Retention of device-to-cloud messages in days. */
  readonly retentionDays: number;
  /** `Disabled` leaves only private endpoints. */
  readonly publicNetworkAccess: PublicNetworkAccess;
  /**
   * IP filter (`properties.networkRuleSets`): a default action and allow rules. The classic
   * `ipFilterRules` (Accept/Reject) is retired and never sent.
   * @default undefined (nothing sent: Azure admits every address)
   */
  readonly networkRuleSets?: HubNetworkRuleSets;
  /**
   * Managed identity of the hub (for identity-based routing endpoints).
   * @default "None"
   */
  readonly identity?: HubIdentity;
  /**
   * Consumer groups on the built-in `events` endpoint, besides `$Default`.
   * @default []
   */
  readonly consumerGroups?: readonly string[];
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Adopt this existing hub instead of creating one (`dps-as-code:adoptPlatform`): `hubName` is its
   * name, and it is imported with its ARM id. Its access policies keep their keys (read with
   * list-keys), dps-link is added if it lacks one, and what the stack does not manage (routing,
   * file upload, ...; adoption.ts) stays as it is. See docs/existing-dps.md.
   * @default undefined (a new hub is created)
   */
  readonly adopt?: {
    readonly resourceId: string;
    /** Consumer groups the hub already has: imported, not created. @default [] */
    readonly consumerGroups?: readonly string[];
  };
}

/**
 * An Azure IoT hub ready to be linked to a DPS: TLS 1.2 minimum, a dedicated least-privilege
 * link policy with keys kept in state, and the link connection string built from them as a secret.
 */
export class IotHub extends pulumi.ComponentResource {
  /** The `azure-native:iothub:IotHubResource`. */
  public readonly hub: iothub.IotHubResource;
  /** `<hubName>.azure-devices.net`. */
  public readonly hostName: pulumi.Output<string>;
  /** ARM resource id. */
  public readonly resourceId: pulumi.Output<string>;
  /** The hub's Azure name. */
  public readonly hubName: pulumi.Output<string>;
  public readonly location: pulumi.Output<string>;
  /** `HostName=...;SharedAccessKeyName=dps-link;SharedAccessKey=...` (a secret). */
  public readonly linkingConnectionString: pulumi.Output<string>;

  constructor(name: string, args: IotHubArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dps-as-code:platform:IotHub", name, {}, opts);

    const identity = args.identity ?? "None";
    // Our own keys for dps-link, so that no update of the hub ever rotates them (see
    // shared-access-keys.ts); the DPS link string is built from them, not read back (except on an
    // adopted hub that already has a dps-link policy: its own keys, read below, are kept).
    const linkKeys = sharedAccessKeys(`${name}-${DPS_LINK_POLICY_NAME}-key`, this);
    const linkPolicy = {
      keyName: DPS_LINK_POLICY_NAME,
      rights: DPS_LINK_POLICY_RIGHTS,
      primaryKey: linkKeys.primaryKey,
      secondaryKey: linkKeys.secondaryKey,
    };
    const { adopt } = args;
    // An adopted hub is written back with the policies and keys it has ("retrieve the IoT hub
    // metadata and security metadata, and then combine them with the modified values", iothub.json,
    // IotHubResource_CreateOrUpdate), read with POST listkeys: GET returns no policy at all (iothub_get.json).
    const policies = adopt
      ? keptPolicies(
          iothub
            .listIotHubResourceKeysOutput(
              { resourceGroupName: args.resourceGroupName, resourceName: args.hubName },
              { parent: this },
            )
            .apply((r) => r.value),
          [linkPolicy],
        )
      : undefined;
    const linkKey = policies ? primaryKeyOf(policies, DPS_LINK_POLICY_NAME) : linkKeys.primaryKey;

    this.hub = new iothub.IotHubResource(
      name,
      {
        resourceName: args.hubName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: args.sku, capacity: args.units },
        identity: { type: identity },
        tags: { ...args.tags },
        properties: {
          // Only "1.2" is accepted, and only when the hub is created: set it from day one.
          minTlsVersion: "1.2",
          publicNetworkAccess: args.publicNetworkAccess,
          ...(args.networkRuleSets ? { networkRuleSets: networkRuleSetsArgs(args.networkRuleSets) } : {}),
          eventHubEndpoints: {
            events: { partitionCount: args.partitionCount, retentionTimeInDays: args.retentionDays },
          },
          // Key-based DPS linking authenticates with a SAS key of this hub, so local auth must
          // stay on. (Identity-based linking needs DPS API 2025-02-01-preview, which the
          // installed azure-native default API 2023-03-01-preview does not offer.)
          disableLocalAuth: false,
          // Declaring the policies replaces the hub's default set (iothubowner, service, device,
          // registryRead, registryReadWrite): people and pipelines use Entra ID roles instead.
          // An adopted hub keeps the policies it has (with their keys), plus dps-link.
          // The keys are ours and always sent: a policy sent without keys gets new ones on
          // every PUT. They make `properties` a secret input (encrypted in state).
          authorizationPolicies: policies ?? [linkPolicy],
        },
      },
      adopt
        ? {
            parent: this,
            import: adopt.resourceId,
            // Without a rule set in config, an adopted hub keeps the one it has (never opened up).
            ignoreChanges: [
              ...ADOPTED_HUB_KEPT_PROPERTIES,
              ...(args.networkRuleSets ? [] : ["properties.networkRuleSets"]),
            ],
          }
        : { parent: this },
    );

    for (const group of args.consumerGroups ?? []) {
      new iothub.IotHubResourceEventHubConsumerGroup(
        `${name}-${group}`,
        {
          resourceGroupName: args.resourceGroupName,
          resourceName: this.hub.name,
          eventHubEndpointName: "events",
          name: group,
          properties: { name: group },
        },
        adopt?.consumerGroups?.includes(group)
          ? // ARM id of a consumer group (iothub.json, IotHubResource_GetEventHubConsumerGroup).
            { parent: this, import: `${adopt.resourceId}/eventHubEndpoints/events/ConsumerGroups/${group}` }
          : { parent: this },
      );
    }

    this.hubName = this.hub.name;
    this.resourceId = this.hub.id;
    this.location = pulumi.output(args.location);
    // The keys make `properties` secret (input, and output through the engine); the host
    // name is not a secret, so it is unwrapped on purpose.
    this.hostName = pulumi.unsecret(this.hub.properties).apply((p) => p.hostName);
    // From the hub's output, so whatever uses the string (the DPS link) waits until the hub,
    // with this policy and these keys, has been created or updated.
    this.linkingConnectionString = pulumi.secret(
      pulumi.interpolate`HostName=${this.hostName};SharedAccessKeyName=${DPS_LINK_POLICY_NAME};SharedAccessKey=${linkKey}`,
    );

    this.registerOutputs({
      hostName: this.hostName,
      resourceId: this.resourceId,
      hubName: this.hubName,
      location: this.location,
      linkingConnectionString: this.linkingConnectionString,
    });
  }
}

/** ARM's `networkRuleSets` (azure-native iothub `NetworkRuleSetPropertiesArgs`); every rule is an allow rule. */
function networkRuleSetsArgs(rules: HubNetworkRuleSets) {
  return {
    defaultAction: rules.defaultAction,
    applyToBuiltInEventHubEndpoint: rules.applyToBuiltInEventHubEndpoint,
    ipRules: rules.ipRules.map((r) => ({
      filterName: r.name,
      action: iothub.NetworkRuleIPAction.Allow,
      ipMask: r.ipMask,
    })),
  };
}
