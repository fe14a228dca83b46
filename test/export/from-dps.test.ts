import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { manifestFromDps } from "../../components/manifests/from-dps";

const options = { source: "DPS test", schemaPath: "../../schemas/enrollment-manifest.schema.json" };

describe("manifestFromDps", () => {
  it("turns a webhook URL into the name of a secret to set, and never writes the URL", () => {
    const url = "https://alloc.example.net/api/place?code=c2VjcmV0LWZ1bmN0aW9uLWtleQ==";
    const result = manifestFromDps(
      {
        individualEnrollments: [],
        enrollmentGroups: [
          {
            enrollmentGroupId: "lab-sensors",
            attestation: { type: "symmetricKey" },
            allocationPolicy: "custom",
            customAllocationDefinition: { webhookUrl: url, apiVersion: "2021-10-01" },
          },
        ],
      },
      options,
    );
    expect(result.yaml).not.toContain("alloc.example.net");
    expect((parse(result.yaml) as { enrollmentGroups: unknown[] }).enrollmentGroups[0]).toMatchObject({
      customAllocationDefinition: { webhookUrlSecret: "labSensorsWebhookUrl", apiVersion: "2021-10-01" },
    });
    expect(result.actions).toEqual([
      "set the webhook URL of 'lab-sensors': pulumi config set --secret labSensorsWebhookUrl '<url>'",
    ]);
    expect(result.yaml).toContain("#   - set the webhook URL of 'lab-sensors'");
  });

  it("asks for the certificate file when DPS returns only certificate details", () => {
    const result = manifestFromDps(
      {
        individualEnrollments: [
          {
            registrationId: "medical-monitor-007",
            attestation: {
              type: "x509",
              x509: {
                clientCertificates: {
                  primary: { info: { subjectName: "CN=medical-monitor-007" } },
                  secondary: null,
                },
              },
            },
          },
        ],
        enrollmentGroups: [],
      },
      options,
    );
    expect((parse(result.yaml) as { individualEnrollments: unknown[] }).individualEnrollments[0]).toEqual({
      registrationId: "medical-monitor-007",
      attestation: {
        type: "x509",
        x509: {
          clientCertificates: { primary: { certificateFile: "certs/medical-monitor-007-primary.pem" } },
        },
      },
      adoptExisting: true,
    });
    expect(result.actions).toEqual([
      "put the primary certificate of 'medical-monitor-007' (CN=medical-monitor-007) in certs/medical-monitor-007-primary.pem, next to this file",
    ]);
  });

  it("drops twin bookkeeping but keeps a user tag called version", () => {
    const result = manifestFromDps(
      {
        individualEnrollments: [
          {
            registrationId: "s-1",
            attestation: { type: "symmetricKey" },
            initialTwin: {
              tags: { version: "3", count: null, metadata: null, $metadata: { lastUpdated: "x" } },
              properties: { desired: { version: null } },
            },
          },
        ],
        enrollmentGroups: [],
      },
      options,
    );
    expect(
      (parse(result.yaml) as { individualEnrollments: unknown[] }).individualEnrollments[0],
    ).toMatchObject({ initialTwin: { tags: { version: "3" } } });
    expect(result.yaml).not.toContain("properties");
  });
});
