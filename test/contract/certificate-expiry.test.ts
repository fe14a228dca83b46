// contract/rotation/expiry.ts: which held certificates are due at a given moment, by the stack's
// window, and the rotation plan named for each kind of holder.
import { describe, expect, it } from "vitest";
import { certificateExpiries, heldCertificates, rotationHint } from "@dps-as-code/contract";
import { makeCertificate } from "../../testkit/certificates";

const DAY = 86_400_000;
const NOW = new Date("2026-06-01T12:00:00Z");
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
const pem = (commonName: string, notAfter: Date, notBefore = at(-100)) =>
  makeCertificate({ commonName, notBefore, notAfter }).certificatePem;

describe("certificateExpiries", () => {
  it("counts a certificate as expiring when its notAfter is less than the window away, as the policy pack does", () => {
    const held = heldCertificates({
      caCertificates: [],
      enrollmentGroups: [],
      individualEnrollments: [
        ["just-inside", at(30).getTime() - 1_000],
        ["on-the-edge", at(30).getTime()],
        ["expired-now", NOW.getTime()],
      ].map(([id, notAfter]) => ({
        registrationId: id as string,
        attestation: {
          type: "x509",
          x509: {
            clientCertificates: { primary: { certificate: pem(id as string, new Date(notAfter as number)) } },
          },
        },
      })),
    });
    expect(
      certificateExpiries(held, NOW, 30).map((e) => [
        e.holder.kind === "individual" && e.holder.id,
        e.state,
        e.daysLeft,
      ]),
    ).toEqual([
      ["expired-now", "expired", 0],
      ["just-inside", "expiring", 29],
      ["on-the-edge", "valid", 30],
    ]);
  });

  it("reads both slots, and a certificate not yet valid is due whatever its notAfter", () => {
    const held = heldCertificates({
      caCertificates: [],
      enrollmentGroups: [
        {
          enrollmentGroupId: "pumps",
          attestation: {
            type: "x509",
            x509: {
              signingCertificates: {
                primary: { certificate: pem("Pump Signing", at(400)) },
                secondary: { certificate: pem("Pump Signing 2", at(800), at(2)) },
              },
            },
          },
        },
      ],
      individualEnrollments: [],
    });
    expect(certificateExpiries(held, NOW, 30).map((e) => [e.holder, e.state])).toEqual([
      [{ kind: "group", id: "pumps", slot: "secondary" }, "not-yet-valid"],
      [{ kind: "group", id: "pumps", slot: "primary" }, "valid"],
    ]);
  });
});

describe("rotationHint", () => {
  it("names the plan for a device certificate and for a CA, once per group naming it, and says when no plan applies", () => {
    expect(rotationHint({ kind: "individual", id: "cam-1", slot: "primary" }, "prod").commands).toEqual([
      "npm run plan-rotation -- --stack prod --enrollment cam-1 --kind certificate --certificate <new-certificate.pem> --out rotation-cam-1",
    ]);
    expect(rotationHint({ kind: "ca", name: "root", usedBy: ["a", "b"] }, "prod").commands).toEqual([
      "npm run plan-rotation -- --stack prod --enrollment a --kind ca --new-ca <new-ca-name> --certificate <new-ca.pem> --out rotation-a",
      "npm run plan-rotation -- --stack prod --enrollment b --kind ca --new-ca <new-ca-name> --out rotation-b",
    ]);
    expect(rotationHint({ kind: "ca", name: "root", usedBy: [] }, "prod")).toEqual({
      commands: [],
      note: "no enrollment group of this stack names it in caReferences: replace or remove `dps.caCertificates.root` in a change of its own",
    });
    expect(rotationHint({ kind: "group", id: "pumps", slot: "primary" }, "prod").commands).toEqual([]);
  });
});
