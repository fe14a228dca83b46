import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { projectRoot } from "./find-engine";
import { DPS_CA_CERTIFICATE_TYPE, SECRET_SIGNATURE_KEY } from "@dps-as-code/contract";

// How the Node SDK hands a secret input to the mocks: { [SECRET_SIG_KEY]: SECRET_SIG, value }.
const SECRET_SIG_KEY = SECRET_SIGNATURE_KEY;
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** The key that marks a secret in mock inputs, at any depth (for tests that unwrap nested secrets). */
export const SECRET_SIG_KEY_FOR_TESTS = SECRET_SIG_KEY;

/** Whether a mock input value arrived as a secret. */
export function isSecretInput(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
  );
}

/** The value inside a (possibly) secret mock input. */
export function plain<T = Record<string, unknown>>(value: unknown): T {
  return (isSecretInput(value) ? (value as { value: unknown }).value : value) as T;
}

/** Adds fields to a (possibly secret) object; the result is secret when the input was, as the engine does. */
function extend(value: unknown, extra: Record<string, unknown>): unknown {
  const merged = { ...plain<object>(value), ...extra };
  return isSecretInput(value) ? { [SECRET_SIG_KEY]: SECRET_SIG, value: merged } : merged;
}

/** A resource registration the mocks saw. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** The `import` id (or read id), when the program asked to import an existing resource. */
  readonly importId?: string;
}

/**
 * Resources that already exist in the mocked Azure, for adoption: each ARM GET body (what an
 * import reads) and each list-keys answer (`value` of POST .../listkeys), by ARM resource id.
 */
export interface MockAzure {
  readonly resources: Readonly<Record<string, Record<string, unknown>>>;
  readonly keys: Readonly<Record<string, ReadonlyArray<Record<string, unknown>>>>;
}

/** Looks up `id` in the mocked Azure, case-insensitively as ARM compares ids. */
function byArmId<T>(table: Readonly<Record<string, T>>, id: string): T | undefined {
  const found = Object.entries(table).find(([key]) => key.toLowerCase() === id.toLowerCase());
  return found?.[1];
}

/** An invoke the mocks saw. */
export interface Invocation {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

export const SUBSCRIPTION = "/subscriptions/00000000-1111-2222-3333-444444444444";
/** The subscription of the mocked Azure's existing resources (that of the first one listed). */
const SUBSCRIPTION_OF = (azure: MockAzure | undefined) =>
  /^\/subscriptions\/[^/]+/i.exec(Object.keys(azure?.resources ?? {})[0] ?? "")?.[0] ?? SUBSCRIPTION;
export const RANDOM_SUFFIX = "k3x9q2";
/** When the mocked role assignment says it was created. */
export const ROLE_ASSIGNED_AT = "2026-11-29T08:00:00.000000+00:00";

/** The key the mocked `random.RandomBytes` named `name` returns: base64 of 32 bytes, like the real one. */
export function mockKey(name: string): string {
  return createHash("sha256").update(name).digest("base64");
}

/** Reads `Pulumi.<stack>.yaml` into the flat `project:key` → string form `setAllConfig` takes. */
export function stackConfig(stack: string): Record<string, string> {
  const file = path.join(projectRoot, `Pulumi.${stack}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** What the tests fill in for Pulumi.prod.yaml's placeholders (which the config rejects as is). */
export const PROD_PIPELINE_PRINCIPAL_ID = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
export const PROD_PIPELINE_EGRESS_IP = "20.61.15.7";

/** A public test CA certificate standing in for the EV charger manufacturer's root CA. */
export const PROD_EV_CHARGER_CA_PEM = fs.readFileSync(
  path.join(projectRoot, "test/fixtures/certs/ev-charger-signing-ca.pem"),
  "utf8",
);

/**
 * `Pulumi.prod.yaml` with its placeholders replaced, as an operator does before the first
 * `up`: the pipeline identity's object id, the pipeline's egress address and the EV charger
 * manufacturer's CA certificate.
 */
export function filledInProdConfig(): Record<string, string> {
  const config = stackConfig("prod");
  const dps = JSON.parse(config["dps-as-code:dps"]!) as {
    dataContributor: { principalId: string };
    ipFilterRules: Array<{ name: string; ipMask: string }>;
    caCertificates: Record<string, { certificatePath?: string; certificate?: string; verified?: boolean }>;
  };
  dps.dataContributor.principalId = PROD_PIPELINE_PRINCIPAL_ID;
  dps.caCertificates["ev-charger-root-ca"] = { certificate: PROD_EV_CHARGER_CA_PEM, verified: true };
  const egress = dps.ipFilterRules.find((r) => r.name === "pipeline-egress");
  if (!egress) throw new Error("Pulumi.prod.yaml: no pipeline-egress rule in dps.ipFilterRules");
  egress.ipMask = PROD_PIPELINE_EGRESS_IP;
  return { ...config, "dps-as-code:dps": JSON.stringify(dps) };
}

/**
 * Strict mocks: every resource type and invoke the platform may use is modelled on what
 * Azure returns; anything else throws, so a new, unreviewed resource or invoke fails the test.
 */
export function strictMocks(
  registrations: Registration[],
  invocations: Invocation[],
  azure?: MockAzure,
): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const inputs = args.inputs as Record<string, unknown>;
      registrations.push({
        type: args.type,
        name: args.name,
        inputs,
        ...(args.id ? { importId: args.id } : {}),
      });
      if (args.id) {
        // An import reads the resource as it is (the engine then diffs the program's inputs).
        const existing = azure && byArmId(azure.resources, args.id);
        if (!existing)
          throw new Error(`import of ${args.type} ${args.name}: no resource ${args.id} in Azure`);
        return { id: args.id, state: existing };
      }
      const rg = String(inputs.resourceGroupName ?? "");
      switch (args.type) {
        case "dps-as-code:platform:IotPlatform":
        case "dps-as-code:platform:IotHub":
        case "dps-as-code:platform:ProvisioningService":
          return { id: `${args.name}-component`, state: {} };
        case "random:index/randomString:RandomString":
          return { id: args.name, state: { ...inputs, result: RANDOM_SUFFIX } };
        case "random:index/randomBytes:RandomBytes":
          if (inputs.length !== 32)
            throw new Error(`RandomBytes ${args.name}: length ${String(inputs.length)}, expected 32`);
          return { id: args.name, state: { ...inputs, base64: mockKey(args.name) } };
        case "azure-native:resources:ResourceGroup":
          return { id: `${SUBSCRIPTION}/resourceGroups/${rg}`, state: { ...inputs, name: rg } };
        case "azure-native:iothub:IotHubResource": {
          const name = String(inputs.resourceName);
          const properties = extend(inputs.properties, { hostName: `${name}.azure-devices.net` });
          return {
            id: `${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.Devices/IotHubs/${name}`,
            state: { ...inputs, name, properties },
          };
        }
        case "azure-native:iothub:IotHubResourceEventHubConsumerGroup":
          return { id: `${SUBSCRIPTION}/consumerGroups/${String(inputs.name)}`, state: inputs };
        case "azure-native:deviceprovisioningservices:IotDpsResource": {
          const name = String(inputs.provisioningServiceName);
          // The link strings make `properties` a secret input, so the engine returns it secret.
          const properties = extend(inputs.properties, {
            idScope: "0ne00ABC123",
            serviceOperationsHostName: `${name}.azure-devices-provisioning.net`,
            deviceProvisioningHostName: "global.azure-devices-provisioning.net",
          });
          return {
            id: `${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.Devices/provisioningServices/${name}`,
            state: { ...inputs, name, properties },
          };
        }
        case DPS_CA_CERTIFICATE_TYPE:
          return {
            id: `${String(inputs.provisioningServiceName)}/${String(inputs.certificateName)}`,
            state: { ...inputs, etag: '"mock-etag"' },
          };
        case "azure-native:authorization:RoleAssignment":
          return {
            id: `${SUBSCRIPTION}/roleAssignments/${args.name}`,
            state: { ...inputs, createdOn: ROLE_ASSIGNED_AT },
          };
        default:
          throw new Error(`unexpected resource ${args.type} (${args.name})`);
      }
    },
    call(args) {
      const inputs = args.inputs as Record<string, unknown>;
      invocations.push({ token: args.token, inputs });
      // A created platform reads no keys back from Azure (it generates them); an adopted hub or
      // DPS reads the keys its policies have (POST listkeys), from the mocked Azure.
      const rg = String(inputs.resourceGroupName ?? "");
      const listed =
        args.token === "azure-native:iothub:listIotHubResourceKeys"
          ? `${SUBSCRIPTION_OF(azure)}/resourceGroups/${rg}/providers/Microsoft.Devices/IotHubs/${String(inputs.resourceName)}`
          : args.token === "azure-native:deviceprovisioningservices:listIotDpsResourceKeys"
            ? `${SUBSCRIPTION_OF(azure)}/resourceGroups/${rg}/providers/Microsoft.Devices/provisioningServices/${String(inputs.provisioningServiceName)}`
            : undefined;
      const keys = listed && azure && byArmId(azure.keys, listed);
      if (keys) return { value: keys };
      throw new Error(`unexpected invoke ${args.token}${listed ? ` (no keys for ${listed})` : ""}`);
    },
  };
}

/** Resolves an Output's value (mocks with preview=false resolve everything). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Whether an Output is marked secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return (output as unknown as { isSecret: Promise<boolean> }).isSecret;
}

/** Resolves an Output and its secretness together. */
export async function secretValue<T>(output: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
  return { value: await valueOf(output), secret: await isSecret(output) };
}

/** What a mocked platform run registered, with lookups by type. */
export interface MockedPlatform {
  readonly platform: import("../components/platform").IotPlatform;
  readonly registrations: Registration[];
  readonly invocations: Invocation[];
  ofType(type: string): Registration[];
  /** The single registration of `type` (throws unless there is exactly one). */
  one(type: string): Registration;
  /** Registrations counted per type. */
  counts(): Record<string, number>;
  /** The `ignoreChanges` option each resource was registered with, by resource name. */
  readonly ignoreChanges: Readonly<Record<string, readonly string[]>>;
}

/**
 * Builds the platform of `stack` from `config` under strict mocks and waits for its outputs.
 * The components are imported after setMocks, so they register against the mocks.
 */
export async function runMockedPlatform(
  stack: string,
  config: Record<string, string>,
  azure?: MockAzure,
): Promise<MockedPlatform> {
  const registrations: Registration[] = [];
  const invocations: Invocation[] = [];
  const ignoreChanges: Record<string, readonly string[]> = {};
  pulumi.runtime.setAllConfig(config);
  await pulumi.runtime.setMocks(strictMocks(registrations, invocations, azure), "dps-as-code", stack, false);
  const { loadPlatformConfig } = await import("../components/config");
  const { createPlatform } = await import("../components/platform");
  // The mocks do not see resource options; a transformation (inherited by every child) does.
  const platform = createPlatform(loadPlatformConfig(projectRoot), "platform", {
    transformations: [
      ({ name, opts }) => {
        if (opts.ignoreChanges) ignoreChanges[name] = [...opts.ignoreChanges];
        return undefined;
      },
    ],
  });
  await valueOf(
    pulumi.all([platform.idScope, platform.linkedHubHostNames, platform.dpsConnection.serviceEndpoint]),
  );
  await pulumi.runtime.disconnect();
  const ofType = (type: string) => registrations.filter((r) => r.type === type);
  return {
    platform,
    registrations,
    invocations,
    ignoreChanges,
    ofType,
    one(type) {
      const found = ofType(type);
      if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
      return found[0]!;
    },
    counts() {
      const counts: Record<string, number> = {};
      for (const r of registrations) counts[r.type] = (counts[r.type] ?? 0) + 1;
      return counts;
    },
  };
}
