/**
 * What `pulumi refresh` makes of an azure-native resource's inputs, so tests can show which ARM
 * answers turn into an update on the next preview. azure-native cannot read inputs back from
 * Azure; its Read (pulumi/pulumi-azure-native `provider/pkg/provider/provider.go`, `Read`,
 * steps 2 to 5 of its comment) projects the outputs stored at the last write and the outputs
 * just read onto the resource's input shape (dropping read-only properties), diffs the two
 * projections, and applies that difference to the inputs in state. Its Diff then compares those
 * inputs with the program's. So a refresh changes an input only where ARM's answer changed.
 *
 * The input shapes are the SDK's (@pulumi/azure-native 3.28.0 `types/input.d.ts`:
 * `IotDpsPropertiesDescriptionArgs`, `IotHubDefinitionDescriptionArgs`,
 * `SharedAccessSignatureAuthorizationRuleAccessRightsDescriptionArgs`, `IotDpsSkuInfoArgs`,
 * `IpFilterRuleArgs`; `IotDpsResourceArgs`; for hubs `IotHubPropertiesArgs`, `EventHubPropertiesArgs`,
 * `SharedAccessSignatureAuthorizationRuleArgs`, `IotHubResourceArgs`: the properties this
 * project sets, and the ones ARM answers that are inputs too).
 */

/** `true`: a value kept as is; an object: the input keys of a type; `[shape]`: a list of it. */
export type InputShape = true | { readonly [key: string]: InputShape } | readonly [InputShape];

export const IOT_DPS_RESOURCE_INPUT_SHAPE: InputShape = {
  provisioningServiceName: true,
  resourceGroupName: true,
  location: true,
  tags: true,
  identity: true,
  resourcegroup: true,
  subscriptionid: true,
  sku: { name: true, capacity: true },
  properties: {
    allocationPolicy: true,
    authorizationPolicies: [{ keyName: true, rights: true, primaryKey: true, secondaryKey: true }],
    enableDataResidency: true,
    iotHubs: [
      { allocationWeight: true, applyAllocationPolicy: true, connectionString: true, location: true },
    ],
    ipFilterRules: [{ action: true, filterName: true, ipMask: true, target: true }],
    portalOperationsHostName: true,
    privateEndpointConnections: true,
    provisioningState: true,
    publicNetworkAccess: true,
    state: true,
  },
};

export const IOT_HUB_RESOURCE_INPUT_SHAPE: InputShape = {
  resourceName: true,
  resourceGroupName: true,
  location: true,
  tags: true,
  identity: true,
  sku: { name: true, capacity: true },
  properties: {
    authorizationPolicies: [{ keyName: true, rights: true, primaryKey: true, secondaryKey: true }],
    disableLocalAuth: true,
    // A map of endpoints in the SDK; the one this project sets.
    eventHubEndpoints: { events: { partitionCount: true, retentionTimeInDays: true } },
    ipFilterRules: true,
    minTlsVersion: true,
    networkRuleSets: true,
    publicNetworkAccess: true,
    cloudToDevice: true,
    messagingEndpoints: true,
    routing: true,
    storageEndpoints: true,
    features: true,
    enableFileUploadNotifications: true,
  },
};

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The part of `value` that has the input shape (azure-native's SdkOutputsToSdkInputs). */
export function projectToInputs(value: Json, shape: InputShape): Json {
  if (shape === true || value === undefined || value === null) return value;
  if (Array.isArray(shape))
    return Array.isArray(value) ? value.map((v) => projectToInputs(v, shape[0]!)) : value;
  if (!isObject(value)) return value;
  const out: Record<string, Json> = {};
  for (const [key, sub] of Object.entries(shape as Record<string, InputShape>))
    if (value[key] !== undefined) out[key] = projectToInputs(value[key], sub);
  return out;
}

/** Where two values differ, as paths (`properties.iotHubs[0].allocationWeight`); objects by key, lists by index. */
export function changedPaths(a: Json, b: Json, at = ""): string[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], at ? `${at}.${k}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    return Array.from({ length: n }, (_, i) => changedPaths(a[i], b[i], `${at}[${i}]`)).flat();
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

function applyAt(target: Json, a: Json, b: Json): Json {
  if (isObject(a) && isObject(b) && isObject(target)) {
    const out: Record<string, Json> = { ...target };
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (JSON.stringify(a[k]) === JSON.stringify(b[k])) continue;
      if (b[k] === undefined) delete out[k];
      else out[k] = applyAt(target[k], a[k], b[k]);
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && Array.isArray(target)) {
    const out = [...target];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (JSON.stringify(a[i]) === JSON.stringify(b[i])) continue;
      out[i] = applyAt(target[i], a[i], b[i]);
    }
    return out.slice(0, b.length);
  }
  return b;
}

/** The inputs in state after `pulumi refresh`: old inputs plus what changed between ARM's two answers. */
export function refreshedInputs(
  inputs: Record<string, Json>,
  outputsAtLastWrite: Record<string, Json>,
  outputsNow: Record<string, Json>,
  shape: InputShape,
): Record<string, Json> {
  const before = projectToInputs(outputsAtLastWrite, shape);
  const after = projectToInputs(outputsNow, shape);
  return applyAt(inputs, before, after) as Record<string, Json>;
}
