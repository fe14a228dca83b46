// dps-as-code:adoptPlatform, read by the program's config reader: what an adopting stack decides,
// and every mistake reported under its key with what is allowed, before anything reaches Azure.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import {
  readStackFile,
  PlatformConfigError,
  parsePlatformConfig,
  parseStackConfig,
  type RawPlatformConfig,
} from "../../components/config";

const env = {
  readTextFile(file: string): string {
    throw Object.assign(new Error(`ENOENT: ${file}`), { code: "ENOENT" });
  },
};
const SUB = "/subscriptions/91d12660-3dec-467a-be2a-213b5544ddc0";
const group = (rg: string) => `${SUB}/resourceGroups/${rg}/providers/Microsoft.Devices`;
const DPS_ID = `${group("rg-iot")}/provisioningServices/contoso-dps`;
const WEU_ID = `${group("rg-iot")}/IotHubs/contoso-weu`;
const base: RawPlatformConfig = {
  environment: "prod",
  location: "westeurope",
  hubs: { weu: { consumerGroups: ["telemetry", "archive"] }, neu: { location: "northeurope" } },
  adoptPlatform: { dps: DPS_ID, hubs: { weu: WEU_ID }, consumerGroups: { weu: ["telemetry"] } },
};

function problems(raw: RawPlatformConfig): readonly string[] {
  try {
    parsePlatformConfig(raw, env);
    return [];
  } catch (err) {
    if (err instanceof PlatformConfigError) return err.problems;
    throw err;
  }
}

describe("dps-as-code:adoptPlatform", () => {
  it("adopts the DPS and the listed hubs under their own names, in their group as an existing group", () => {
    const config = parsePlatformConfig(base, env);
    expect(config.adopt).toEqual({
      subscriptionId: "91d12660-3dec-467a-be2a-213b5544ddc0",
      resourceGroupName: "rg-iot",
      dps: { name: "contoso-dps", resourceId: DPS_ID },
      hubs: { weu: { name: "contoso-weu", resourceId: WEU_ID, consumerGroups: ["telemetry"] } },
    });
    expect(config.target).toEqual({ kind: "azure", resourceGroup: { kind: "existing", name: "rg-iot" } });
  });

  it("takes ARM ids in any case of the provider and type (ARM GET spells ProvisioningServices), and a resourceGroupName equal to the ids'", () => {
    const id = `${group("rg-iot")}/ProvisioningServices/contoso-dps`.replace(
      "Microsoft.Devices",
      "microsoft.devices",
    );
    const config = parsePlatformConfig(
      { ...base, resourceGroupName: "rg-iot", adoptPlatform: { dps: id } },
      env,
    );
    expect(config.adopt?.dps).toEqual({ name: "contoso-dps", resourceId: id });
    expect(config.adopt?.hubs).toEqual({});
  });

  it("reports every mistake under its key, with what is allowed", () => {
    expect(
      problems({
        ...base,
        resourceGroupName: "rg-other",
        adoptPlatform: {
          dps: "contoso-dps",
          hubs: { weu: `${group("rg-iot")}/provisioningServices/x-dps`, sea: WEU_ID },
          consumerGroups: { weu: ["telemetry", "$Default"], neu: ["x"] },
          linkedHubs: {},
        },
      }),
    ).toEqual([
      "dps-as-code:adoptPlatform.linkedHubs: unknown setting; allowed: dps, hubs, consumerGroups",
      'dps-as-code:adoptPlatform.dps: "contoso-dps" is not allowed; use the ARM resource id, /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Devices/provisioningServices/<name>',
      `dps-as-code:adoptPlatform.hubs.weu: "${group("rg-iot")}/provisioningServices/x-dps" is not allowed; use the ARM resource id, /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Devices/IotHubs/<name>`,
      "dps-as-code:adoptPlatform.hubs.sea: is not a hub of dps-as-code:hubs (weu, neu); an adopted hub is configured there like any hub, under the same key",
      "dps-as-code:adoptPlatform.consumerGroups.weu: is not an adopted hub; allowed: none",
      "dps-as-code:adoptPlatform.consumerGroups.neu: is not an adopted hub; allowed: none",
    ]);
    expect(problems({ ...base, adoptPlatform: { hubs: { weu: WEU_ID } } })).toEqual([
      "dps-as-code:adoptPlatform.dps: is required (the DPS's ARM resource id, /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Devices/provisioningServices/<name>)",
    ]);
    expect(problems({ ...base, adoptPlatform: "contoso-dps" })).toEqual([
      'dps-as-code:adoptPlatform: expected a map of settings, got "contoso-dps"',
    ]);
  });

  it("refuses hubs outside the DPS's group or subscription, a different resourceGroupName, and groups the hub does not list", () => {
    expect(
      problems({
        ...base,
        resourceGroupName: "rg-other",
        adoptPlatform: {
          dps: DPS_ID,
          hubs: {
            weu: `${group("rg-elsewhere")}/IotHubs/contoso-weu`,
            neu: WEU_ID.replace("91d12660", "11112222"),
          },
          consumerGroups: { weu: ["telemetry", "$Default"] },
        },
      }),
    ).toEqual([
      'dps-as-code:adoptPlatform.consumerGroups.weu[1]: "$Default" is not one of dps-as-code:hubs.weu.consumerGroups (telemetry, archive); list there every group the stack manages, here those the hub already has',
      'dps-as-code:adoptPlatform.hubs.weu: is in resource group "rg-elsewhere", the DPS in "rg-iot"; a platform stack keeps its hubs and DPS in one group',
      "dps-as-code:adoptPlatform.hubs.neu: is in subscription 11112222-3dec-467a-be2a-213b5544ddc0, the DPS in 91d12660-3dec-467a-be2a-213b5544ddc0; a platform stack deploys to one subscription",
      'dps-as-code:resourceGroupName: is "rg-other", but the adopted DPS is in "rg-iot"; leave it out (the group is taken from dps-as-code:adoptPlatform.dps) or make them equal',
    ]);
  });

  it("is refused on the local target and in an enrollments-only stack", () => {
    expect(
      problems({
        ...base,
        target: "local",
        emulator: { serviceHost: "localhost:8443", caCertPath: "ca.pem" },
      }),
    ).toContain(
      'dps-as-code:adoptPlatform: adopts Azure resources; it is not used when dps-as-code:target is "local"',
    );
    expect(() =>
      parseStackConfig(
        {
          environment: "prod",
          adoptPlatform: base.adoptPlatform,
          existingDps: {
            serviceEndpoint: "contoso.azure-devices-provisioning.net",
            authentication: "entraId",
            linkedHubs: { weu: "contoso-weu.azure-devices.net" },
          },
        },
        env,
      ),
    ).toThrow(
      "dps-as-code:adoptPlatform: is not used by an enrollments-only stack (dps-as-code:existingDps is set): its DPS and hubs are not this stack's; remove the setting",
    );
  });

  it("is checked offline too: the stack file reader every tool uses refuses what the program refuses", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-stack-"));
    const file = path.join(dir, "Pulumi.prod.yaml");
    const config = (adoptPlatform: unknown) =>
      Object.fromEntries(Object.entries({ ...base, adoptPlatform }).map(([k, v]) => [`dps-as-code:${k}`, v]));
    fs.writeFileSync(file, stringify({ config: config(base.adoptPlatform) }));
    expect(readStackFile(file).ok).toBe(true);
    fs.writeFileSync(file, stringify({ config: config({ dps: DPS_ID, hubs: { sea: WEU_ID } }) }));
    expect(readStackFile(file)).toEqual({
      ok: false,
      problems: [
        {
          problem:
            "dps-as-code:adoptPlatform.hubs.sea: is not a hub of dps-as-code:hubs (weu, neu); an adopted hub is configured there like any hub, under the same key",
          allowed: "a stack config the program accepts (`pulumi preview` stops on the same problem)",
        },
      ],
    });
  });

  it("reads docs/examples/Pulumi.contoso-prod.yaml as a platform stack adopting a DPS and two hubs", () => {
    const file = path.resolve(__dirname, "../../docs/examples/Pulumi.contoso-prod.yaml");
    const { config } = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    const raw = Object.fromEntries(
      Object.entries(config).map(([k, v]) => [k.slice("dps-as-code:".length), v]),
    ) as RawPlatformConfig;
    const platform = parsePlatformConfig(raw, env);
    expect(platform.adopt?.dps.name).toBe("contoso-prod-dps");
    expect(Object.entries(platform.adopt?.hubs ?? {}).map(([k, h]) => [k, h.name, h.consumerGroups])).toEqual(
      [
        ["weu", "contoso-prod-weu", ["telemetry"]],
        ["neu", "contoso-prod-neu", []],
      ],
    );
    expect(platform.target).toEqual({
      kind: "azure",
      resourceGroup: { kind: "existing", name: "rg-contoso-iot" },
    });
    expect(readStackFile(file).ok).toBe(true);
  });
});
