// One function turns a manifest's hub reference (`iotHubs: [weu]` or a host name) into a host
// name: the loader and the manifests CLI call it before deploy, the fleet at deploy with the
// host names the platform hands out by hub key.
import { describe, expect, it } from "vitest";
import { manifestHubCatalogue } from "../../components/fleet";
import { deployedHubCatalogue, resolveHub } from "../../components/manifests";

const DEPLOYED = { neu: "p-prod-neu-x1y2z3.azure-devices.net", weu: "p-prod-weu-x1y2z3.azure-devices.net" };

describe("resolveHub", () => {
  it("resolves a key to its host name by key, whatever the order the hubs are listed in", () => {
    expect(resolveHub("weu", deployedHubCatalogue(DEPLOYED))).toEqual({ ok: true, hostName: DEPLOYED.weu });
    expect(resolveHub("neu", deployedHubCatalogue(DEPLOYED))).toEqual({ ok: true, hostName: DEPLOYED.neu });
  });

  it("accepts a linked hub's host name in any case and returns the linked spelling", () => {
    expect(resolveHub(DEPLOYED.neu.toUpperCase(), deployedHubCatalogue(DEPLOYED))).toEqual({
      ok: true,
      hostName: DEPLOYED.neu,
    });
  });

  it("refuses a host name that is not linked, naming every choice", () => {
    expect(resolveHub("other.azure-devices.net", deployedHubCatalogue(DEPLOYED))).toEqual({
      ok: false,
      problem: "hub 'other.azure-devices.net' is not linked to the DPS",
      allowed: `neu (${DEPLOYED.neu}), weu (${DEPLOYED.weu})`,
    });
  });

  it("keeps a key whose host name is not known yet, and refuses an unknown key offline", () => {
    const offline = { hubs: { weu: undefined, neu: undefined } };
    expect(resolveHub("weu", offline)).toEqual({ ok: true, hostName: "weu" });
    expect(resolveHub("wue", offline)).toEqual({
      ok: false,
      problem: "unknown hub key 'wue'",
      allowed: "neu, weu",
    });
    expect(resolveHub("hub.azure-devices.net", offline)).toEqual({
      ok: true,
      hostName: "hub.azure-devices.net",
    });
  });

  it("refuses a key whose host name is known but not linked", () => {
    const catalogue = { hubs: { weu: "a.azure-devices.net" }, linkedHubs: ["b.azure-devices.net"] };
    expect(resolveHub("weu", catalogue)).toMatchObject({
      ok: false,
      problem: "hub 'weu' (a.azure-devices.net) is not linked to the DPS",
    });
  });
});

describe("manifestHubCatalogue", () => {
  const hubs = [{ key: "weu" }, { key: "neu" }] as never;
  it("knows the local target's host names before anything runs", () => {
    const catalogue = manifestHubCatalogue({
      target: { kind: "local" } as never,
      hubs,
      namePrefix: "dpsac",
      environment: "local",
    });
    expect(catalogue).toEqual({
      hubs: { weu: "dpsac-local-weu.azure-devices.net", neu: "dpsac-local-neu.azure-devices.net" },
      linkedHubs: ["dpsac-local-weu.azure-devices.net", "dpsac-local-neu.azure-devices.net"],
    });
  });

  it("leaves Azure's keys as keys and refuses host names: they end in a suffix created at deploy", () => {
    const catalogue = manifestHubCatalogue({
      target: { kind: "azure" } as never,
      hubs,
      namePrefix: "dpsac",
      environment: "dev",
    });
    expect(catalogue).toEqual({ hubs: { weu: undefined, neu: undefined }, linkedHubs: [] });
    expect(resolveHub("neu", catalogue)).toEqual({ ok: true, hostName: "neu" });
    expect(resolveHub("dpsac-dev-neu-x1y2z3.azure-devices.net", catalogue)).toEqual({
      ok: false,
      problem: "hub 'dpsac-dev-neu-x1y2z3.azure-devices.net' is not linked to the DPS",
      allowed: "neu, weu",
    });
  });
});
