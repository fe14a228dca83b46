import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as resources from "@pulumi/azure-native/resources";
import type { PlatformConfig, ResourceGroupPlacement } from "../config";
import { IotHub } from "./iot-hub";
import type { PlatformOutputs } from "./iot-platform";
import { ProvisioningService } from "./provisioning-service";

/**
 * The Azure target: a resource group (unless an existing one is named), one `IotHub` per
 * configured hub, and a `ProvisioningService` linking them all.
 *
 * IoT hub and DPS names are global (they are DNS names), so they end in a random suffix that
 * is created once and then kept in state: re-running `up` never renames (replaces) anything.
 * Names: `<namePrefix>-<environment>-<hubKey>-<suffix>` and `<namePrefix>-<environment>-dps-<suffix>`.
 */
export function createAzurePlatform(
  name: string,
  config: PlatformConfig,
  placement: ResourceGroupPlacement,
  parent: pulumi.Resource,
): PlatformOutputs {
  const suffix = new random.RandomString(
    `${name}-suffix`,
    { length: 6, lower: true, upper: false, numeric: true, special: false },
    { parent },
  ).result;
  const base = `${config.namePrefix}-${config.environment}`;

  const resourceGroupName =
    placement.kind === "existing"
      ? pulumi.output(placement.name)
      : new resources.ResourceGroup(
          `${name}-rg`,
          { resourceGroupName: placement.name, location: placement.location, tags: { ...config.dps.tags } },
          { parent },
        ).name;

  // Adopted resources keep their own names (docs/existing-dps.md); the others are named as usual.
  const adopt = config.adopt;
  const hubs = config.hubs.map((hub) => ({
    settings: hub,
    component: new IotHub(
      `${name}-${hub.key}`,
      {
        resourceGroupName,
        hubName: adopt?.hubs[hub.key]?.name ?? pulumi.interpolate`${base}-${hub.key}-${suffix}`,
        adopt: adopt?.hubs[hub.key] && {
          resourceId: adopt.hubs[hub.key]!.resourceId,
          consumerGroups: adopt.hubs[hub.key]!.consumerGroups,
        },
        location: hub.location,
        sku: hub.sku,
        units: hub.units,
        partitionCount: hub.partitionCount,
        retentionDays: hub.retentionDays,
        publicNetworkAccess: hub.publicNetworkAccess,
        networkRuleSets: hub.networkRuleSets,
        identity: hub.identity,
        consumerGroups: hub.consumerGroups,
        tags: hub.tags,
      },
      { parent },
    ),
  }));

  const dps = new ProvisioningService(
    `${name}-dps`,
    {
      resourceGroupName,
      serviceName: adopt?.dps.name ?? pulumi.interpolate`${base}-dps-${suffix}`,
      adopt: adopt && { resourceId: adopt.dps.resourceId },
      location: config.location,
      capacity: config.dps.capacity,
      allocationPolicy: config.dps.allocationPolicy,
      linkedHubs: hubs.map((h) => ({
        hub: h.component,
        allocationWeight: h.settings.allocationWeight,
        applyAllocationPolicy: h.settings.applyAllocationPolicy,
      })),
      publicNetworkAccess: config.dps.publicNetworkAccess,
      ipFilterRules: config.dps.ipFilterRules,
      dataResidency: config.dps.dataResidency,
      caCertificates: config.dps.caCertificates,
      dataContributor: config.dps.dataContributor,
      tags: config.dps.tags,
    },
    { parent },
  );

  return {
    idScope: dps.idScope,
    serviceEndpoint: dps.serviceEndpoint,
    deviceEndpoint: dps.deviceEndpoint,
    hubHostNames: pulumi.all(Object.fromEntries(hubs.map((h) => [h.settings.key, h.component.hostName]))),
    caCertificates: dps.certificates,
    // With a data-contributor role the pipeline authenticates with Entra ID and no shared key
    // is handed to the enrollment resources at all.
    dpsConnection: dps.dataContributorAssignment
      ? {
          serviceEndpoint: afterRoleAssignment(dps.serviceEndpoint, dps.dataContributorAssignment),
          useEntraId: true,
          // 401s soon after this are the assignment propagating, and are retried (components/dps-client/unauthorized.ts).
          roleAssignedAt: dps.dataContributorAssignment.createdOn,
        }
      : { serviceEndpoint: dps.serviceEndpoint, connectionString: dps.enrollmentWriterConnectionString },
  };
}

/**
 * The endpoint, resolved only once the role assignment exists, so that the enrollment
 * resources (which take their dependencies from their inputs) are not written before the
 * identity may write them: without this the first `up` races the role assignment and the
 * first enrollment write gets a 401. (Azure may still take a few minutes to propagate a new
 * assignment; see README "Verify on first deploy".)
 */
function afterRoleAssignment(
  endpoint: pulumi.Output<string>,
  assignment: pulumi.Resource & { id: pulumi.Output<string> },
): pulumi.Output<string> {
  return pulumi.all([endpoint, assignment.id]).apply(([host]) => host);
}
