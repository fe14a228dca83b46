import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as dps from "@pulumi/azure-native/deviceprovisioningservices";
import type { DpsAllocationPolicy as AllocationPolicy } from "@dps-as-code/contract";
import type {
  CaCertificateConfig,
  DataContributorConfig,
  DpsIpFilterRule,
  PublicNetworkAccess,
} from "../config";
import { DpsCaCertificate } from "./dps-ca-certificate";
import type { IotHub } from "./iot-hub";
import { ADOPTED_DPS_KEPT_PROPERTIES, keptPolicies, primaryKeyOf } from "./adoption";
import { sharedAccessKeys } from "./shared-access-keys";

/** Policy the enrollment resources use: enrollments and registration states, nothing else. */
export const ENROLLMENT_WRITER_POLICY_NAME = "enrollment-writer";
/**
 * DPS accepts these rights only together: EnrollmentWrite requires EnrollmentRead,
 * RegistrationStatusRead and RegistrationStatusWrite (deleting an enrollment's registration
 * state needs the last one). No ServiceConfig (linked hubs, certificates) and no DeviceConnect.
 */
export const ENROLLMENT_WRITER_RIGHTS =
  "EnrollmentRead, EnrollmentWrite, RegistrationStatusRead, RegistrationStatusWrite";
/**
 * Azure creates `provisioningserviceowner` with every right. We declare it so the list of
 * policies is complete in code (declaring any list replaces Azure's), and so a reviewer sees
 * it; the program never uses its keys (they are in state, encrypted, because every declared
 * policy must carry its keys: see shared-access-keys.ts).
 */
export const OWNER_POLICY_NAME = "provisioningserviceowner";
export const OWNER_RIGHTS =
  "ServiceConfig, EnrollmentRead, EnrollmentWrite, DeviceConnect, RegistrationStatusRead, RegistrationStatusWrite";
/** Built-in role "Device Provisioning Service Data Contributor" (full data-plane access). */
export const DPS_DATA_CONTRIBUTOR_ROLE_ID = "dfce44e4-17b7-4bd1-a6d1-04996ec95633";

const ARM_ALLOCATION_POLICY: Record<AllocationPolicy, dps.AllocationPolicy> = {
  hashed: dps.AllocationPolicy.Hashed,
  geoLatency: dps.AllocationPolicy.GeoLatency,
  static: dps.AllocationPolicy.Static,
};

/** A hub to link, with its DPS-side allocation settings. */
export interface LinkedHubArgs {
  readonly hub: IotHub;
  /** Likelihood of being chosen by the hashed policy, 1..1000. */
  readonly allocationWeight: number;
  /** Whether the DPS allocation policy may choose this hub. */
  readonly applyAllocationPolicy: boolean;
}

export interface ProvisioningServiceArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  /** Globally unique DPS name; the service endpoint is `<serviceName>.azure-devices-provisioning.net`. */
  readonly serviceName: pulumi.Input<string>;
  readonly location: string;
  /** S1 units. */
  readonly capacity: number;
  /** DPS-level allocation policy (`custom` is set per enrollment, not here). */
  readonly allocationPolicy: AllocationPolicy;
  /** Hubs to link (at most 50), each from an `IotHub` component. */
  readonly linkedHubs: readonly LinkedHubArgs[];
  readonly publicNetworkAccess: PublicNetworkAccess;
  /** @default [] */
  readonly ipFilterRules?: readonly DpsIpFilterRule[];
  /**
   * Keep data in the DPS's region (no cross-geo-pair disaster recovery).
   * @default false
   */
  readonly dataResidency?: boolean;
  /**
   * CA certificates for `caReferences`/X.509 groups, uploaded as verified when `verified` is set.
   * @default []
   */
  readonly caCertificates?: readonly CaCertificateConfig[];
  /**
   * Entra ID principal (the pipeline identity) granted Device Provisioning Service Data
   * Contributor on this DPS, so enrollments are managed without shared keys.
   * @default undefined (no role assignment)
   */
  readonly dataContributor?: DataContributorConfig;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Adopt this existing DPS instead of creating one (`dps-as-code:adoptPlatform`): `serviceName` is
   * its name, and it is imported with its ARM id. Its access policies keep their keys (read with
   * list-keys); provisioningserviceowner and enrollment-writer are added if it lacks them. Every
   * hub linked to it must be one of `linkedHubs`: the DPS is written with exactly those links.
   * @default undefined (a new DPS is created)
   */
  readonly adopt?: { readonly resourceId: string };
}

/**
 * An Azure IoT Hub Device Provisioning Service with its linked hubs, allocation policy,
 * least-privilege access policies and (optionally) CA certificates and an Entra ID role.
 */
export class ProvisioningService extends pulumi.ComponentResource {
  /** The `azure-native:deviceprovisioningservices:IotDpsResource`. */
  public readonly service: dps.IotDpsResource;
  public readonly resourceId: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  /** ID scope devices register in. */
  public readonly idScope: pulumi.Output<string>;
  /** Service API host, e.g. `mydps.azure-devices-provisioning.net`. */
  public readonly serviceEndpoint: pulumi.Output<string>;
  /** Device API host, `global.azure-devices-provisioning.net`. */
  public readonly deviceEndpoint: pulumi.Output<string>;
  /** Host names of the linked hubs, in the order given. */
  public readonly linkedHubHostNames: pulumi.Output<string[]>;
  /** Connection string of the enrollment-writer policy (a secret). */
  public readonly enrollmentWriterConnectionString: pulumi.Output<string>;
  /** Present when `dataContributor` was given. */
  public readonly dataContributorAssignment: authorization.RoleAssignment | undefined;
  /** The uploaded CA certificates by name, for enrollments that name them in `caReferences` to depend on. */
  public readonly certificates: Readonly<Record<string, DpsCaCertificate>>;

  constructor(name: string, args: ProvisioningServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dps-as-code:platform:ProvisioningService", name, {}, opts);

    // Our own keys, sent on every PUT, so that no update of the DPS rotates them.
    const ownerKeys = sharedAccessKeys(`${name}-${OWNER_POLICY_NAME}-key`, this);
    const writerKeys = sharedAccessKeys(`${name}-${ENROLLMENT_WRITER_POLICY_NAME}-key`, this);
    const ours = [
      {
        keyName: OWNER_POLICY_NAME,
        rights: OWNER_RIGHTS,
        primaryKey: ownerKeys.primaryKey,
        secondaryKey: ownerKeys.secondaryKey,
      },
      {
        keyName: ENROLLMENT_WRITER_POLICY_NAME,
        rights: ENROLLMENT_WRITER_RIGHTS,
        primaryKey: writerKeys.primaryKey,
        secondaryKey: writerKeys.secondaryKey,
      },
    ];
    const { adopt } = args;
    // An adopted DPS is written back with the policies and keys it has, read with POST listkeys:
    // its GET returns `authorizationPolicies: []` whatever it holds (DPSGet.json, 2023-03-01-preview).
    const policies = adopt
      ? keptPolicies(
          dps
            .listIotDpsResourceKeysOutput(
              { provisioningServiceName: args.serviceName, resourceGroupName: args.resourceGroupName },
              { parent: this },
            )
            .apply((r) => r.value),
          ours,
        )
      : undefined;
    const writerKey = policies
      ? primaryKeyOf(policies, ENROLLMENT_WRITER_POLICY_NAME)
      : writerKeys.primaryKey;

    this.service = new dps.IotDpsResource(
      name,
      {
        provisioningServiceName: args.serviceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: dps.IotDpsSku.S1, capacity: args.capacity },
        tags: { ...args.tags },
        properties: {
          allocationPolicy: ARM_ALLOCATION_POLICY[args.allocationPolicy],
          publicNetworkAccess: args.publicNetworkAccess,
          enableDataResidency: args.dataResidency ?? false,
          ipFilterRules: (args.ipFilterRules ?? []).map((r) => ({
            filterName: r.name,
            action: r.action,
            ipMask: r.ipMask,
            target: r.target,
          })),
          authorizationPolicies: policies ?? ours,
          // Each link carries the hub's dps-link connection string as a secret input, so it is
          // encrypted in state. ARM masks it in every answer (`SharedAccessKey=****`) and lists
          // the policies without keys, at a write as at a GET, and azure-native's refresh changes
          // an input only where two of ARM's answers differ (its Read diffs the outputs of the
          // last write against the ones just read, provider/pkg/provider/provider.go), so a
          // refresh keeps these strings and keys and previews no update: no `ignoreChanges`,
          // which would also swallow a rotated key or a changed link
          // (test/platform/refresh-no-diff.test.ts; README "Verify on first deploy").
          iotHubs: args.linkedHubs.map((l) => ({
            connectionString: l.hub.linkingConnectionString,
            location: l.hub.location,
            allocationWeight: l.allocationWeight,
            applyAllocationPolicy: l.applyAllocationPolicy,
          })),
        },
      },
      // The link strings are built from the hubs' outputs, so the DPS already waits for them;
      // depending on the hub components as well makes that order explicit in the graph.
      {
        parent: this,
        dependsOn: args.linkedHubs.map((l) => l.hub),
        ...(adopt ? { import: adopt.resourceId, ignoreChanges: [...ADOPTED_DPS_KEPT_PROPERTIES] } : {}),
      },
    );

    // Our DpsCaCertificate, not azure-native's DpsCertificate: DPS's ARM API deletes (and updates)
    // a certificate only with its ETag as If-Match (DpsCertificate_Delete, iotdps.json
    // 2023-03-01-preview), which azure-native's delete never sends (./dps-ca-certificate.ts).
    const certificates: Record<string, DpsCaCertificate> = {};
    const subscriptionId = this.service.id.apply((id) => subscriptionScope(id).split("/")[2]!);
    for (const cert of args.caCertificates ?? []) {
      certificates[cert.name] = new DpsCaCertificate(
        `${name}-${cert.name}`,
        {
          subscriptionId,
          provisioningServiceName: this.service.name,
          resourceGroupName: args.resourceGroupName,
          certificateName: cert.name,
          // No proof-of-possession step here; `isVerified: true` verifies on upload.
          properties: { certificate: cert.certificate, isVerified: cert.verified },
        },
        { parent: this },
      );
    }

    this.certificates = certificates;
    this.dataContributorAssignment =
      args.dataContributor && dataContributorRole(name, this, this.service, args.dataContributor);

    // The secret link strings are nested in `properties`, and the engine marks an output secret
    // when its input was: `properties` (idScope, host names) would come back secret. None of
    // these values are secret, so they are unwrapped on purpose.
    const props = pulumi.unsecret(this.service.properties);
    this.resourceId = this.service.id;
    this.serviceName = this.service.name;
    this.idScope = props.apply((p) => p.idScope);
    this.serviceEndpoint = props.apply((p) => p.serviceOperationsHostName);
    this.deviceEndpoint = props.apply((p) => p.deviceProvisioningHostName);
    this.linkedHubHostNames = pulumi.all(args.linkedHubs.map((l) => l.hub.hostName));
    // Built from the DPS's output, so the enrollment resources that use it wait until the
    // DPS, with this policy and these keys, has been created or updated.
    this.enrollmentWriterConnectionString = pulumi.secret(
      pulumi.interpolate`HostName=${this.serviceEndpoint};SharedAccessKeyName=${ENROLLMENT_WRITER_POLICY_NAME};SharedAccessKey=${writerKey}`,
    );

    this.registerOutputs({
      resourceId: this.resourceId,
      serviceName: this.serviceName,
      idScope: this.idScope,
      serviceEndpoint: this.serviceEndpoint,
      deviceEndpoint: this.deviceEndpoint,
      linkedHubHostNames: this.linkedHubHostNames,
      enrollmentWriterConnectionString: this.enrollmentWriterConnectionString,
    });
  }
}

/**
 * Grants the pipeline identity data-plane rights on this DPS only. Role assignments take up to
 * a few minutes to propagate; the first enrollment write after creating one may get a 401.
 */
function dataContributorRole(
  name: string,
  parent: pulumi.Resource,
  service: dps.IotDpsResource,
  principal: DataContributorConfig,
): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    `${name}-data-contributor`,
    {
      principalId: principal.principalId,
      principalType: principal.principalType,
      scope: service.id,
      // The subscription comes from the DPS's own id, so no client-config invoke is needed.
      roleDefinitionId: service.id.apply(
        (id) =>
          `${subscriptionScope(id)}/providers/Microsoft.Authorization/roleDefinitions/${DPS_DATA_CONTRIBUTOR_ROLE_ID}`,
      ),
    },
    { parent },
  );
}

/** `/subscriptions/<id>/resourceGroups/...` → `/subscriptions/<id>`. */
export function subscriptionScope(resourceId: string): string {
  const match = /^\/subscriptions\/[^/]+/i.exec(resourceId);
  if (!match) throw new Error(`Cannot find the subscription in resource id ${JSON.stringify(resourceId)}`);
  return match[0];
}
