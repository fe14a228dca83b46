/**
 * DPS masks the query of webhook URLs (`https://host/path?****`) in the records it hands out;
 * whether its GET does the same is not documented. The provider must give the same answers with
 * either: no drift after a refresh, a 412 recovery that recognises its own write, and real drift
 * (another webhook) still shown. Every case runs against the emulator in both modes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookUrlFromDps } from "../../components/enrollments/dps-mapping";
import { createEnrollmentProvider } from "../../components/enrollments/provider";
import type { EnrollmentInputs, EnrollmentOutputs } from "@dps-as-code/contract";
import { serviceClientFor } from "../../emulator/clients";
import type { RunningEmulator } from "../../emulator/index";
import type { WebhookUrlDisplay } from "../../emulator/options";
import { HUB_A, HUB_B, startTestEmulator } from "../../testkit/emulator";

const WEBHOOK = "https://alloc.azurewebsites.net/api/allocate?code=c29tZS1mdW5jdGlvbi1rZXk=";
const FAST_RETRY = {
  retryPolicy: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, totalBudgetMs: 5_000 },
};
const NO_CHANGE = { changes: false, replaces: [], deleteBeforeReplace: false };

describe("webhookUrlFromDps", () => {
  it.each([
    ["the same URL in clear", WEBHOOK, WEBHOOK],
    ["the declared URL with its query masked", "https://alloc.azurewebsites.net/api/allocate?****", WEBHOOK],
    ["each query value masked", "https://alloc.azurewebsites.net/api/allocate?code=****", WEBHOOK],
    ["the host in another case, masked", "https://ALLOC.azurewebsites.net/api/allocate?****", WEBHOOK],
    [
      "another path, masked (drift)",
      "https://alloc.azurewebsites.net/api/other?****",
      "https://alloc.azurewebsites.net/api/other?****",
    ],
    [
      "another key in clear (drift)",
      "https://alloc.azurewebsites.net/api/allocate?code=b3RoZXI=",
      "https://alloc.azurewebsites.net/api/allocate?code=b3RoZXI=",
    ],
  ])("%s", (_name, shown, expected) => {
    expect(webhookUrlFromDps(shown, WEBHOOK)).toBe(expected);
  });

  it("reports a masked URL as it is when nothing was declared (adoption, import)", () => {
    expect(webhookUrlFromDps("https://alloc.azurewebsites.net/api/allocate?****", undefined)).toBe(
      "https://alloc.azurewebsites.net/api/allocate?****",
    );
  });
});

describe.each<WebhookUrlDisplay>(["clear", "masked"])(
  "custom allocation against an emulator that shows webhook URLs %s",
  (display) => {
    let emu: RunningEmulator;
    const group = createEnrollmentProvider("group", FAST_RETRY);

    beforeAll(async () => {
      emu = await startTestEmulator({
        webhookUrlsInReplies: display,
        config: { linkedHubs: [{ hostName: HUB_A }, { hostName: HUB_B }] },
      });
    });
    afterAll(async () => emu?.stop());

    const inputs = (id: string): EnrollmentInputs => ({
      enrollmentGroupId: id,
      attestation: { type: "symmetricKey" },
      allocationPolicy: "custom",
      iotHubs: [HUB_A, HUB_B],
      customAllocationDefinition: { webhookUrl: WEBHOOK, apiVersion: "2021-10-01" },
      dps: {
        serviceEndpoint: emu.serviceHost,
        connectionString: emu.connectionString,
        trustedCaCertificate: emu.caCertPem,
      },
    });

    it(`the emulator's GET shows the URL ${display}`, async () => {
      await group.create(inputs(`shown-${display}`));
      const record = (await serviceClientFor(emu).getEnrollmentGroup(`shown-${display}`)).responseBody;
      expect(record.customAllocationDefinition?.webhookUrl).toBe(
        display === "masked" ? "https://alloc.azurewebsites.net/api/allocate?****" : WEBHOOK,
      );
    });

    it("a refresh reports the declared URL back and the next preview is empty", async () => {
      const declared = inputs(`refresh-${display}`);
      const created = await group.create(declared);
      const read = await group.read!(created.id, created.outs);
      expect((read.inputs as EnrollmentInputs).customAllocationDefinition).toEqual(
        declared.customAllocationDefinition,
      );
      expect(await group.diff!(created.id, read.props, declared)).toEqual(NO_CHANGE);
      expect((await group.read!(created.id, read.props)).props).toEqual(read.props);
    });

    it("a 412 after its own write landed (the reply was lost) is recognised as success", async () => {
      const declared = inputs(`landed-${display}`);
      const created = await group.create(declared);
      const news = { ...declared, initialTwin: { tags: { wave: 2 } } };
      await group.update!(created.id, created.outs, news);
      // The same update again from the state before it: its ETag is stale, so DPS answers 412.
      const again = await group.update!(created.id, created.outs, news);
      expect((again.outs as EnrollmentOutputs).customAllocationDefinition).toEqual(
        declared.customAllocationDefinition,
      );
    });

    it("another webhook set outside Pulumi still shows as drift, and up puts the declared one back", async () => {
      const declared = inputs(`drift-${display}`);
      const created = await group.create(declared);
      const sdk = serviceClientFor(emu);
      const current = (await sdk.getEnrollmentGroup(declared.enrollmentGroupId!)).responseBody;
      const other = "https://alloc.azurewebsites.net/api/other?code=b3RoZXIta2V5";
      await sdk.createOrUpdateEnrollmentGroup({
        ...current,
        customAllocationDefinition: { webhookUrl: other, apiVersion: "2021-10-01" },
      } as never);
      const read = await group.read!(created.id, created.outs);
      const seen = (read.inputs as EnrollmentInputs).customAllocationDefinition?.webhookUrl;
      expect(seen).toBe(display === "masked" ? "https://alloc.azurewebsites.net/api/other?****" : other);
      expect(await group.diff!(created.id, read.props, declared)).toMatchObject({
        changes: true,
        replaces: [],
      });
      const updated = await group.update!(created.id, read.props, declared);
      const repaired = await group.read!(created.id, updated.outs as EnrollmentOutputs);
      expect((repaired.inputs as EnrollmentInputs).customAllocationDefinition).toEqual(
        declared.customAllocationDefinition,
      );
    });
  },
);
