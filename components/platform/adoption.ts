import * as pulumi from "@pulumi/pulumi";

/**
 * How the platform components adopt an existing hub or DPS (`dps-as-code:adoptPlatform`).
 *
 * Pulumi's `import` resource option reads the resource with the given ARM id, stores what it read,
 * and then diffs the program's inputs against it as for any resource in state: equal inputs are a
 * plain import, others an import followed by an update (pulumi/pulumi#19339, Pulumi docs "Resource
 * option: import"; pkg/resource/deploy/step_generator.go in v3.260.0 continues an import with the
 * normal diff). The ARM id stays in the program: once the state holds it, no import happens again.
 *
 * azure-native reads an imported resource's inputs from its ARM GET body, minus read-only fields
 * (pulumi/pulumi-azure-native provider/pkg/provider/provider.go, Read: "There may be no old state
 * (i.e., importing a new resource). Extract inputs from resource's ID and response body"). So a
 * property the stack does not manage, but Azure returns, would read as "removed" and be dropped by
 * the first PUT: the lists below keep each such property as Azure has it. `ignoreChanges` "uses the
 * old value from the state instead of the value provided by the program" (Pulumi docs "Resource
 * option: ignoreChanges"), i.e. the value read, on the import and every later update
 * (step_generator.go processIgnoreChanges), and it reaches inside `properties` although the keys
 * make it a secret (sdk/go/common/resource/properties_path.go: reset unwraps secrets).
 */

/**
 * Properties of `Microsoft.Devices/IotHubs` (azure-native `IotHubPropertiesArgs`, API 2023-06-30)
 * an adopted hub keeps as they are: routing, file upload, cloud-to-device, private endpoints...
 * ARM's CreateOrUpdate of a hub warns that "if certain properties are missing in the JSON,
 * updating IoT Hub may cause these values to fallback to default" (iothub.json, IotHubResource_CreateOrUpdate).
 */
export const ADOPTED_HUB_KEPT_PROPERTIES = [
  "properties.allowedFqdnList",
  "properties.cloudToDevice",
  "properties.comments",
  "properties.disableDeviceSAS",
  "properties.disableModuleSAS",
  "properties.enableDataResidency",
  "properties.enableFileUploadNotifications",
  "properties.features",
  "properties.ipFilterRules",
  "properties.messagingEndpoints",
  "properties.privateEndpointConnections",
  "properties.restrictOutboundNetworkAccess",
  "properties.routing",
  "properties.storageEndpoints",
] as const;

/**
 * Properties of `Microsoft.Devices/provisioningServices` (azure-native `IotDpsResourceArgs`, API
 * 2023-03-01-preview) an adopted DPS keeps as they are. DPSGet.json returns `resourcegroup`,
 * `subscriptionid`, `state` and `portalOperationsHostName`, which azure-native takes as inputs.
 */
export const ADOPTED_DPS_KEPT_PROPERTIES = [
  "identity",
  "resourcegroup",
  "subscriptionid",
  "properties.state",
  "properties.provisioningState",
  "properties.portalOperationsHostName",
  "properties.privateEndpointConnections",
] as const;

/** A shared access policy as ARM's `authorizationPolicies` and list-keys both spell it. */
export interface AccessPolicy<Rights extends string = string> {
  readonly keyName: string;
  readonly rights: Rights;
  readonly primaryKey?: string;
  readonly secondaryKey?: string;
}

/** A policy the stack declares, with its kept random keys (shared-access-keys.ts). */
export interface OurPolicy<Rights extends string = string> {
  readonly keyName: string;
  readonly rights: Rights;
  readonly primaryKey: pulumi.Input<string>;
  readonly secondaryKey: pulumi.Input<string>;
}

/**
 * The policy list an adopted hub or DPS is written with: every policy it has, with the keys and
 * rights it has (read with list-keys: ARM GET never returns keys, and a policy PUT without its keys
 * gets new ones, see shared-access-keys.ts), followed by the stack's own policies it lacks. So no
 * existing key changes and no one's policy disappears; a policy of ours it already has keeps its
 * keys and rights. A secret: it holds every key.
 */
export function keptPolicies<Rights extends string>(
  existing: pulumi.Input<readonly AccessPolicy[] | undefined>,
  ours: readonly OurPolicy<Rights>[],
): pulumi.Output<AccessPolicy<Rights>[]> {
  const mine = pulumi.all(ours.map((p) => pulumi.all([p.primaryKey, p.secondaryKey])));
  const policies = pulumi.all([existing, mine]).apply(([have, keys]): AccessPolicy<Rights>[] => {
    const mine = ours.map((p, i) => ({
      keyName: p.keyName,
      rights: p.rights,
      primaryKey: keys[i]![0],
      secondaryKey: keys[i]![1],
    }));
    // The rights string is ARM's, as list-keys returned it: kept as it is.
    const kept = (have ?? []).map(({ keyName, rights, primaryKey, secondaryKey }) => ({
      keyName,
      rights: rights as Rights,
      primaryKey,
      secondaryKey,
    }));
    const names = new Set(kept.map((p) => p.keyName));
    return [...kept, ...mine.filter((p) => !names.has(p.keyName))];
  });
  return pulumi.secret(policies) as pulumi.Output<AccessPolicy<Rights>[]>;
}

/** The primary key of the policy `keyName` in a kept list (ours when the resource lacked it). */
export function primaryKeyOf(
  policies: pulumi.Output<AccessPolicy[]>,
  keyName: string,
): pulumi.Output<string> {
  return pulumi.secret(
    policies.apply((list) => {
      const key = list.find((p) => p.keyName === keyName)?.primaryKey;
      if (key === undefined) throw new Error(`the shared access policy ${keyName} has no key`);
      return key;
    }),
  );
}
