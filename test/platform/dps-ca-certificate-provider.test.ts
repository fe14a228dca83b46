// The DpsCaCertificate provider against a stand-in for ARM's DPS certificate API, which answers
// as Azure/azure-rest-api-specs `specification/deviceprovisioningservices/resource-manager/
// Microsoft.Devices/preview/2023-03-01-preview/iotdps.json` says: DpsCertificate_Delete requires
// If-Match, DpsCertificate_CreateOrUpdate requires it to update an existing certificate, every
// write gives the certificate a new ETag, and a GET returns DPS's own rendering (base64 of DER,
// an upper-case thumbprint, examples/DPSGetCertificate.json). What ARM answers to a missing or
// stale If-Match is not in the spec: the stand-in answers 412 to both (the status an in-place
// change gets today, terraform-provider-azurerm#20041); components/platform/README.md lists it
// under "Verify on first deploy".
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseCertificate } from "@dps-as-code/contract";
import { createDpsCaCertificateProvider } from "../../components/platform/dps-ca-certificate";
import type { DpsCaCertificateInputs } from "../../components/platform/dps-ca-certificate";

const certs = path.resolve(__dirname, "../fixtures/certs");
const pemOf = (name: string) => fs.readFileSync(path.join(certs, name), "utf8");
const CA = pemOf("ev-charger-signing-ca.pem");
const OTHER = pemOf("medical-monitor-001.pem");
const derBase64 = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
const thumbprint = (pem: string) => {
  const parsed = parseCertificate(pem);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.certificate.sha1Thumbprint;
};

interface Stored {
  certificate: string;
  isVerified: boolean;
  etag: string;
}

/** ARM's certificate API for one DPS, as the spec describes it; records every request. */
class FakeArm {
  readonly certificates = new Map<string, Stored>();
  readonly requests: {
    method: string;
    path: string;
    ifMatch: string | undefined;
    auth: string | undefined;
  }[] = [];
  private version = 0;
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => this.handle(req, body, res));
  });

  nextEtag(): string {
    return `"AAAAAAAA${(++this.version).toString().padStart(4, "0")}="`;
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse) {
    const url = new URL(req.url ?? "/", "http://arm");
    const ifMatch = req.headers["if-match"] as string | undefined;
    this.requests.push({
      method: req.method ?? "",
      path: url.pathname,
      ifMatch,
      auth: req.headers.authorization,
    });
    const send = (status: number, json?: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(json === undefined ? "" : JSON.stringify(json));
    };
    const match = /\/certificates\/([^/]+)$/.exec(url.pathname);
    if (!match || url.searchParams.get("api-version") !== "2023-03-01-preview")
      return send(400, { error: { code: "InvalidRequest", message: "bad path or api-version" } });
    const name = decodeURIComponent(match[1]!);
    const current = this.certificates.get(name);
    const preconditionFailed = () =>
      send(412, { error: { code: "PreconditionFailed", message: "Invalid ETag supplied" } });
    const view = (s: Stored) => ({
      id: url.pathname,
      name,
      etag: s.etag,
      type: "Microsoft.Devices/provisioningServices/Certificates",
      properties: {
        subject: "CN=EV Charger Signing CA",
        expiry: "Sat, 01 Jan 2033 00:00:00 GMT",
        thumbprint: thumbprint(s.certificate),
        isVerified: s.isVerified,
        certificate: derBase64(s.certificate),
        created: "Thu, 12 Oct 2026 19:23:50 GMT",
        updated: "Thu, 12 Oct 2026 19:26:56 GMT",
      },
    });
    switch (req.method) {
      case "GET":
        return current
          ? send(200, view(current))
          : send(404, { error: { code: "NotFound", message: "no such certificate" } });
      case "PUT": {
        // If-Match: "required to update an existing certificate, and ignored while creating a brand new certificate".
        if (current && ifMatch !== current.etag) return preconditionFailed();
        const properties = (JSON.parse(body) as { properties: { certificate: string; isVerified: boolean } })
          .properties;
        const stored = {
          certificate: properties.certificate,
          isVerified: properties.isVerified,
          etag: this.nextEtag(),
        };
        this.certificates.set(name, stored);
        return send(current ? 200 : 201, view(stored));
      }
      case "DELETE":
        if (!current) return send(404, { error: { code: "NotFound", message: "no such certificate" } });
        // If-Match: required: true (DpsCertificate_Delete).
        if (ifMatch !== current.etag) return preconditionFailed();
        this.certificates.delete(name);
        return send(200);
      default:
        return send(405);
    }
  }
}

const arm = new FakeArm();
let endpoint = "";
const credential = {
  getToken: async () => ({ token: "arm-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};
const provider = createDpsCaCertificateProvider({ credential: () => credential });
/** create, with the outputs a create always returns. */
async function create(props: DpsCaCertificateInputs) {
  const { id, outs } = await provider.create!(props);
  return { id, outs: outs! };
}

const inputs = (
  overrides: Partial<DpsCaCertificateInputs["properties"]> = {},
  name = "ev-charger-root-ca",
): DpsCaCertificateInputs => ({
  subscriptionId: "00000000-1111-2222-3333-444444444444",
  resourceGroupName: "rg-dpsac-prod",
  provisioningServiceName: "dpsac-prod-dps-k3x9q2",
  certificateName: name,
  properties: { certificate: CA, isVerified: true, ...overrides },
  armEndpoint: endpoint,
});

beforeAll(async () => {
  await new Promise<void>((resolve) => arm.server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(arm.server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => arm.server.close(() => resolve())));
beforeEach(() => {
  arm.certificates.clear();
  arm.requests.length = 0;
});

describe("DpsCaCertificate provider against ARM's certificate API", () => {
  it("uploads a new certificate without If-Match and keeps its ETag", async () => {
    const { id, outs } = await create(inputs());
    expect(id).toBe("dpsac-prod-dps-k3x9q2/ev-charger-root-ca");
    expect(arm.certificates.get("ev-charger-root-ca")).toMatchObject({ certificate: CA, isVerified: true });
    expect(outs).toMatchObject({
      etag: arm.certificates.get("ev-charger-root-ca")!.etag,
      thumbprint: thumbprint(CA),
    });
    expect(arm.requests.map((r) => [r.method, r.ifMatch, r.auth])).toEqual([
      ["GET", undefined, "Bearer arm-token"],
      ["PUT", undefined, "Bearer arm-token"],
    ]);
    expect(arm.requests[1]!.path).toBe(
      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-dpsac-prod/providers/Microsoft.Devices/provisioningServices/dpsac-prod-dps-k3x9q2/certificates/ev-charger-root-ca",
    );
  });

  it("deletes with the certificate's current ETag as If-Match, which ARM requires", async () => {
    const { id, outs } = await create(inputs());
    arm.requests.length = 0;
    await provider.delete!(id, outs);
    expect(arm.certificates.has("ev-charger-root-ca")).toBe(false);
    expect(arm.requests.map((r) => [r.method, r.ifMatch])).toEqual([
      ["GET", undefined],
      ["DELETE", outs.etag],
    ]);
  });

  it("deletes although the certificate changed since the state was written (a fresh ETag, not the stored one)", async () => {
    const { id, outs } = await create(inputs());
    arm.certificates.get("ev-charger-root-ca")!.etag = arm.nextEtag(); // verified in the portal, say
    await provider.delete!(id, outs);
    expect(arm.certificates.has("ev-charger-root-ca")).toBe(false);
  });

  it("takes a certificate already gone as deleted", async () => {
    const { id, outs } = await create(inputs());
    arm.certificates.clear();
    await expect(provider.delete!(id, outs)).resolves.toBeUndefined();
    expect(arm.requests.filter((r) => r.method === "DELETE")).toEqual([]);
  });

  it("a refresh of an unchanged certificate changes nothing, though ARM renders it as base64 of DER", async () => {
    const { id, outs } = await create(inputs());
    const read = await provider.read!(id, outs);
    expect(read.inputs).toEqual(inputs());
    const diff = await provider.diff!(id, read.props!, inputs());
    expect(diff.changes).toBe(false);
  });

  it("a refresh keeps a certificate uploaded unverified and verified since by proof of possession as declared", async () => {
    const { id, outs } = await create(inputs({ isVerified: false }));
    arm.certificates.get("ev-charger-root-ca")!.isVerified = true;
    const read = await provider.read!(id, outs);
    expect((await provider.diff!(id, read.props!, inputs({ isVerified: false }))).changes).toBe(false);
  });

  it("a refresh shows a certificate replaced outside Pulumi, and the next update puts the declared one back with If-Match", async () => {
    const { id, outs } = await create(inputs());
    const stored = arm.certificates.get("ev-charger-root-ca")!;
    stored.certificate = OTHER;
    stored.etag = arm.nextEtag();
    const read = await provider.read!(id, outs);
    const diff = await provider.diff!(id, read.props!, inputs());
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    arm.requests.length = 0;
    await provider.update!(id, read.props!, inputs());
    expect(arm.certificates.get("ev-charger-root-ca")!.certificate).toBe(CA);
    expect(arm.requests.map((r) => [r.method, r.ifMatch])).toEqual([
      ["GET", undefined],
      ["PUT", stored.etag],
    ]);
  });

  it("shows the same certificate in another encoding as no change, and another certificate as an update", async () => {
    const base = { ...inputs(), etag: "x", thumbprint: "", subject: "", expiry: "" };
    const asBase64Der = inputs({ certificate: derBase64(CA) });
    expect((await provider.diff!("id", base, asBase64Der)).changes).toBe(false);
    expect(await provider.diff!("id", base, inputs({ certificate: OTHER }))).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await provider.diff!("id", base, inputs({}, "ev-charger-root-ca-2027"))).toMatchObject({
      changes: true,
      replaces: ["certificateName"],
      deleteBeforeReplace: false,
    });
  });

  it("takes over the same certificate already in the DPS (an interrupted create, or azure-native's DpsCertificate) without a write", async () => {
    arm.certificates.set("ev-charger-root-ca", {
      certificate: derBase64(CA),
      isVerified: true,
      etag: arm.nextEtag(),
    });
    const { outs } = await create(inputs());
    expect(outs.etag).toBe(arm.certificates.get("ev-charger-root-ca")!.etag);
    expect(arm.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("never overwrites another certificate under the same name", async () => {
    arm.certificates.set("ev-charger-root-ca", {
      certificate: OTHER,
      isVerified: true,
      etag: arm.nextEtag(),
    });
    await expect(create(inputs())).rejects.toThrow(
      `create certificate "ev-charger-root-ca" of DPS dpsac-prod-dps-k3x9q2: the DPS already holds a different certificate under this name (thumbprint ${thumbprint(OTHER)}); declare it with { existing: true }, or give the new CA another name`,
    );
    expect(arm.certificates.get("ev-charger-root-ca")!.certificate).toBe(OTHER);
  });

  it("refuses a private key or a text that is no certificate at check, naming the field", async () => {
    const { failures } = await provider.check!(
      {} as DpsCaCertificateInputs,
      inputs({ certificate: "not a certificate" }),
    );
    expect(failures).toEqual([
      {
        property: "properties.certificate",
        reason:
          "is not a PEM certificate (nor base64 of PEM or DER); allowed: one PEM certificate ('-----BEGIN CERTIFICATE-----' ... '-----END CERTIFICATE-----'), public part only",
      },
    ]);
  });
});
