// `npm run --silent adopt-platform`, as docs/existing-dps.md prints it: the stack config it writes
// from an existing platform's ARM GET bodies is accepted by the program's config reader as is, and
// a platform the stack could not adopt unchanged is refused, naming each resource and property.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePlatformConfig, type RawPlatformConfig } from "../../components/config";
import { adoptionConfig } from "../../scripts/adopt-platform/config-from-arm";
import { DPS_GET, DPS_ID, NEU_GET, NEU_ID, WEU_GET, WEU_ID, hubGet } from "../../testkit/adopted-platform";

const repo = path.resolve(__dirname, "../..");
let dir: string;

function adoptPlatform(args: string[]) {
  const result = spawnSync("npm", ["run", "--silent", "adopt-platform", "--", ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function write(name: string, body: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(body, null, 2));
  return file;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-platform-"));
});

describe("adopt-platform", () => {
  it("writes a stack config the program accepts, adopting the DPS, both hubs and the hub's existing consumer group", () => {
    const out = path.join(dir, "Pulumi.prod.yaml");
    const { code, stderr } = adoptPlatform([
      ...["--environment", "prod", "--dps", write("dps.json", DPS_GET)],
      ...["--hub", `weu=${write("weu.json", WEU_GET)}`, "--hub", `neu=${write("neu.json", NEU_GET)}`],
      ...[
        "--consumer-groups",
        `weu=${write("groups.json", { value: [{ name: "$Default" }, { name: "telemetry" }] })}`,
      ],
      ...["--out", out],
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const config = (parse(fs.readFileSync(out, "utf8")) as { config: Record<string, unknown> }).config;
    const raw = Object.fromEntries(
      Object.entries(config).map(([k, v]) => [k.slice("dps-as-code:".length), v]),
    ) as RawPlatformConfig;
    const platform = parsePlatformConfig(raw, { readTextFile: () => "" });
    expect(platform.adopt).toEqual({
      subscriptionId: "91d12660-3dec-467a-be2a-213b5544ddc0",
      resourceGroupName: "myResourceGroup",
      dps: { name: "myFirstProvisioningService", resourceId: DPS_ID },
      hubs: {
        weu: { name: "testHub", resourceId: WEU_ID, consumerGroups: ["telemetry"] },
        neu: { name: "testHub2", resourceId: NEU_ID, consumerGroups: [] },
      },
    });
    expect(platform.hubs.map((h) => [h.key, h.sku, h.units, h.partitionCount, h.allocationWeight])).toEqual([
      ["weu", "S1", 2, 4, 600],
      ["neu", "S1", 2, 4, 400],
    ]);
    expect(platform.dps.allocationPolicy).toBe("hashed");
    // A second run never overwrites the reviewed file.
    const again = adoptPlatform([
      "--environment",
      "prod",
      "--dps",
      path.join(dir, "dps.json"),
      "--hub",
      `weu=${path.join(dir, "weu.json")}`,
      "--out",
      out,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${out} exists; write elsewhere and merge the keys by hand`);
  });

  it("refuses a platform it cannot adopt unchanged, naming each resource and property, with exit 1", () => {
    const old = hubGet(WEU_ID, "testHub", { minTlsVersion: "1.0", disableLocalAuth: true });
    const { code, stdout, stderr } = adoptPlatform([
      ...[
        "--environment",
        "prod",
        "--dps",
        write("dps2.json", DPS_GET),
        "--hub",
        `weu=${write("old.json", old)}`,
      ],
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      [
        "adopt-platform: this platform cannot be adopted unchanged:",
        '  - testHub: properties.minTlsVersion is "1.0"; the stack requires "1.2", which a hub accepts only when it is created',
        "  - testHub: properties.disableLocalAuth is true; the stack links DPS with a shared access key of the hub, so local auth must stay on",
        "  - myFirstProvisioningService: links testhub2.azure-devices.net, which is not adopted; give it with --hub (the stack writes the DPS with exactly its own hubs' links)",
        "",
      ].join("\n"),
    );
  });

  it("refuses a hub the DPS does not link, an identity it cannot express and another DPS sku", () => {
    const result = adoptionConfig({
      environment: "prod",
      dps: { ...DPS_GET, sku: { name: "S2", capacity: 1 } },
      hubs: {
        weu: { ...WEU_GET, identity: { type: "UserAssigned" } },
        neu: NEU_GET,
        sea: hubGet(WEU_ID.replace("testHub", "loneHub"), "loneHub", {}),
      },
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        'myFirstProvisioningService: sku.name is "S2"; allowed "S1"',
        'testHub: identity.type "UserAssigned" is not supported; allowed "None", "SystemAssigned"',
        "loneHub: is not linked to myFirstProvisioningService; the stack links every hub it manages, so link it first (az iot dps linked-hub create) or leave it out",
      ],
    });
  });
});
