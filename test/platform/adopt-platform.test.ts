// Adopting an existing DPS and its hubs into a platform stack (dps-as-code:adoptPlatform), under
// strict mocks that play an Azure where they already exist. The path a user takes: the ARM GET
// bodies go through `npm run adopt-platform` (its pure mapping), the config it writes through the
// program's config reader, and the platform registers each resource under its own name with the
// `import` id. What the engine then compares is what azure-native reads on import (the GET body in
// input shape) against the program's inputs: this test computes that diff and pins it to what
// adoption must write (the access policies with the keys they have, the DPS's hub links, the
// stack's own tags), with no property that forces a replacement and no key changed.
// The existing platform (its GET bodies and keys) is testkit/adopted-platform.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { adoptionConfig } from "../../scripts/adopt-platform/config-from-arm";
import {
  AZURE,
  DPS_GET,
  DPS_ID,
  HUB_DEFAULT_POLICIES,
  NEU_GET,
  NEU_ID,
  RG,
  WEU_GET,
  WEU_ID,
  key,
  type ArmBody,
} from "../../testkit/adopted-platform";
import {
  mockKey,
  runMockedPlatform,
  SECRET_SIG_KEY_FOR_TESTS,
  type MockedPlatform,
} from "../../testkit/mock-platform";

/** azure-native's inputs of an imported resource: the GET body in input shape, read-only fields dropped. */
function importedInputs(body: ArmBody, path: Record<string, string>, readOnly: readonly string[]) {
  const inputs: Record<string, unknown> = { ...structuredClone(body), ...path };
  for (const p of ["id", "name", "type", "etag", "systemData", ...readOnly]) drop(inputs, p.split("."));
  return inputs;
}

function drop(value: unknown, path: string[]): void {
  if (typeof value !== "object" || value === null) return;
  const [head, ...rest] = path;
  if (head === "*") for (const item of value as unknown[]) drop(item, rest);
  else if (rest.length === 0) delete (value as Record<string, unknown>)[head!];
  else drop((value as Record<string, unknown>)[head!], rest);
}

// Read-only in the specs (readOnly: true): azure-native never takes them as inputs.
const HUB_READ_ONLY = [
  "sku.tier",
  "properties.state",
  "properties.provisioningState",
  "properties.hostName",
  "properties.locations",
  "properties.eventHubEndpoints.events.partitionIds",
  "properties.eventHubEndpoints.events.path",
  "properties.eventHubEndpoints.events.endpoint",
];
const DPS_READ_ONLY = [
  "sku.tier",
  "properties.serviceOperationsHostName",
  "properties.deviceProvisioningHostName",
  "properties.idScope",
  "properties.iotHubs.*.name",
];

/** Secret wrappers removed at every depth, as the engine compares values. */
function reveal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value !== "object" || value === null) return value;
  const o = value as Record<string, unknown>;
  if (SECRET_SIG_KEY_FOR_TESTS in o) return reveal(o.value);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, reveal(v)]));
}

/** Paths where `news` differs from `olds` (a changed leaf, or a value only one side has). */
function differences(olds: unknown, news: unknown, at = ""): string[] {
  if (JSON.stringify(olds) === JSON.stringify(news)) return [];
  const isMap = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isMap(olds) && isMap(news)) {
    const o = olds as Record<string, unknown>;
    const n = news as Record<string, unknown>;
    return [...new Set([...Object.keys(o), ...Object.keys(n)])]
      .sort()
      .flatMap((k) => differences(o[k], n[k], at ? `${at}.${k}` : k));
  }
  if (Array.isArray(olds) && Array.isArray(news) && olds.length === news.length)
    return olds.flatMap((v, i) => differences(v, news[i], `${at}[${i}]`));
  return [at];
}

/** The program's inputs with `ignoreChanges` applied against the imported ones, as the engine does. */
function withIgnored(
  inputs: Record<string, unknown>,
  olds: Record<string, unknown>,
  ignored: readonly string[],
) {
  const out = structuredClone(inputs);
  for (const path of ignored) {
    const parts = path.split(".");
    const get = (o: unknown) =>
      parts.reduce<unknown>((v, p) => (v as Record<string, unknown> | undefined)?.[p], o);
    const parent = parts
      .slice(0, -1)
      .reduce<Record<string, unknown>>((v, p) => (v[p] ??= {}) as Record<string, unknown>, out);
    const old = get(olds);
    if (old === undefined) delete parent[parts.at(-1)!];
    else parent[parts.at(-1)!] = structuredClone(old);
  }
  return out;
}

function configOf(): Record<string, string> {
  const result = adoptionConfig({
    environment: "prod",
    dps: DPS_GET,
    hubs: { weu: WEU_GET, neu: NEU_GET },
    consumerGroups: { weu: [{ name: "$Default" }, { name: "telemetry" }] },
  });
  if (!result.ok) throw new Error(result.problems.join("\n"));
  return Object.fromEntries(
    Object.entries(result.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

let run: MockedPlatform;
let again: MockedPlatform;
const one = (r: MockedPlatform, type: string, name: string) => {
  const found = r.registrations.filter((x) => x.type === type && x.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
  return found[0]!;
};
/** Registrations in a stable order: the mocks see them as their inputs resolve. */
const sorted = <T extends { type: string; name: string }>(list: readonly T[]) =>
  [...list].sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
const HUB = "azure-native:iothub:IotHubResource";
const DPS = "azure-native:deviceprovisioningservices:IotDpsResource";

beforeAll(async () => {
  run = await runMockedPlatform("prod", configOf(), AZURE);
  // The next `pulumi preview` after adoption: the same program against the same Azure.
  again = await runMockedPlatform("prod", configOf(), AZURE);
});

describe("adopting an existing DPS and hubs (mocked Azure)", () => {
  it("registers each existing resource under its own name, with its ARM id to import, and creates no hub, DPS or group", () => {
    expect(
      sorted(run.ofType(HUB)).map((r) => [
        r.name,
        r.inputs.resourceName,
        r.inputs.resourceGroupName,
        r.importId,
      ]),
    ).toEqual([
      ["platform-neu", "testHub2", RG, NEU_ID],
      ["platform-weu", "testHub", RG, WEU_ID],
    ]);
    expect(
      run
        .ofType(DPS)
        .map((r) => [r.name, r.inputs.provisioningServiceName, r.inputs.resourceGroupName, r.importId]),
    ).toEqual([["platform-dps", "myFirstProvisioningService", RG, DPS_ID]]);
    expect(run.ofType("azure-native:resources:ResourceGroup")).toEqual([]);
    expect(
      run
        .ofType("azure-native:iothub:IotHubResourceEventHubConsumerGroup")
        .map((r) => [r.inputs.name, r.importId]),
    ).toEqual([["telemetry", `${WEU_ID}/eventHubEndpoints/events/ConsumerGroups/telemetry`]]);
  });

  it("sends each hub what its GET says, except the access policies (never in a GET) and the stack's own tags: nothing that replaces it", () => {
    for (const [name, body, id] of [
      ["platform-weu", WEU_GET, WEU_ID],
      ["platform-neu", NEU_GET, NEU_ID],
    ] as const) {
      const olds = importedInputs(
        body,
        { resourceGroupName: RG, resourceName: String(body.name) },
        HUB_READ_ONLY,
      );
      const news = withIgnored(
        reveal(one(run, HUB, name).inputs) as Record<string, unknown>,
        olds,
        run.ignoreChanges[name] ?? [],
      );
      const key = name.slice("platform-".length);
      expect(differences(olds, news), id).toEqual([
        "properties.authorizationPolicies",
        "tags.environment",
        `tags.iot-hub-key`,
        "tags.managed-by",
      ]);
      expect((news.tags as Record<string, string>)["iot-hub-key"]).toBe(key);
    }
    // What the stack does not manage is kept as Azure has it: the routes go out unchanged.
    expect(run.ignoreChanges["platform-weu"]).toContain("properties.routing");
    expect(run.ignoreChanges["platform-neu"]).toContain("properties.networkRuleSets");
  });

  it("writes the hubs' policies back with the keys they have, adding dps-link only where it is missing", () => {
    const policies = (name: string) =>
      (reveal(one(run, HUB, name).inputs.properties) as { authorizationPolicies: unknown })
        .authorizationPolicies;
    expect(policies("platform-weu")).toEqual([
      ...HUB_DEFAULT_POLICIES(10),
      {
        keyName: "dps-link",
        rights: "RegistryWrite, ServiceConnect",
        primaryKey: mockKey("platform-weu-dps-link-key-primary"),
        secondaryKey: mockKey("platform-weu-dps-link-key-secondary"),
      },
    ]);
    expect(policies("platform-neu")).toEqual(AZURE.keys[NEU_ID]!.map((p) => ({ ...p })));
  });

  it("sends the DPS what its GET says, except its policies (GET lists none) and the hub links' connection strings (GET masks them)", () => {
    const olds = importedInputs(
      DPS_GET,
      { resourceGroupName: RG, provisioningServiceName: String(DPS_GET.name) },
      DPS_READ_ONLY,
    );
    const news = withIgnored(
      reveal(one(run, DPS, "platform-dps").inputs) as Record<string, unknown>,
      olds,
      run.ignoreChanges["platform-dps"] ?? [],
    );
    expect(differences(olds, news)).toEqual([
      "properties.authorizationPolicies",
      "properties.iotHubs[0].connectionString",
      "properties.iotHubs[1].connectionString",
      "tags.environment",
      "tags.managed-by",
    ]);
    const props = news.properties as {
      authorizationPolicies: unknown;
      iotHubs: Array<{ connectionString: string }>;
    };
    expect(props.iotHubs.map((l) => l.connectionString)).toEqual([
      `HostName=testHub.azure-devices.net;SharedAccessKeyName=dps-link;SharedAccessKey=${mockKey("platform-weu-dps-link-key-primary")}`,
      // The existing dps-link policy's own key: the link keeps working with the key it has.
      `HostName=testHub2.azure-devices.net;SharedAccessKeyName=dps-link;SharedAccessKey=${key(30)}`,
    ]);
    // The owner policy keeps its keys and rights; enrollment-writer is added with the stack's keys.
    expect(props.authorizationPolicies).toEqual([
      AZURE.keys[DPS_ID]![0],
      {
        keyName: "enrollment-writer",
        rights: "EnrollmentRead, EnrollmentWrite, RegistrationStatusRead, RegistrationStatusWrite",
        primaryKey: mockKey("platform-dps-enrollment-writer-key-primary"),
        secondaryKey: mockKey("platform-dps-enrollment-writer-key-secondary"),
      },
    ]);
  });

  it("keeps every access policy secret in the inputs", () => {
    for (const r of [...run.ofType(HUB), ...run.ofType(DPS)])
      expect(JSON.stringify(r.inputs.properties), r.name).toContain(SECRET_SIG_KEY_FOR_TESTS);
  });

  it("registers the same inputs on the next run against the same Azure: after the first up, the preview is a no-op", () => {
    const shape = (r: MockedPlatform) =>
      sorted(r.registrations).map((x) => ({
        type: x.type,
        name: x.name,
        inputs: reveal(x.inputs),
        importId: x.importId,
      }));
    expect(shape(again)).toEqual(shape(run));
    expect(again.ignoreChanges).toEqual(run.ignoreChanges);
  });
});
