/**
 * The four ARM calls of a DPS CA certificate (Microsoft.Devices/provisioningServices/certificates,
 * api-version 2023-03-01-preview, the version azure-native 3.28.0's DpsCertificate uses), as
 * Azure/azure-rest-api-specs `specification/deviceprovisioningservices/resource-manager/
 * Microsoft.Devices/preview/2023-03-01-preview/iotdps.json` has them:
 * - `DpsCertificate_Get`: the certificate and its `etag`;
 * - `DpsCertificate_CreateOrUpdate`: If-Match "required to update an existing certificate, and
 *   ignored while creating a brand new certificate";
 * - `DpsCertificate_Delete`: If-Match **required** ("ETag of the certificate"); 200 or 204.
 * azure-native's generic delete sends no header at all (pulumi/pulumi-azure-native
 * `provider/pkg/azure/client_azcore.go` `Delete`: query parameters only), so deleting a
 * DpsCertificate through it cannot meet the spec; azurerm reads the ETag first and deletes with
 * it (hashicorp/terraform-provider-azurerm#3645, `azurerm_iot_dps_certificate`), as this client does.
 */
import type { TokenCredentialLike } from "../../dps-client";
import type { DpsCaCertificateInputs } from "./types";

export const DPS_CERTIFICATE_API_VERSION = "2023-03-01-preview";
export const AZURE_PUBLIC_ARM_ENDPOINT = "https://management.azure.com";
/** Entra ID scope of Azure Resource Manager (the endpoint's own `/.default`). */
const armScope = (endpoint: string) => `${endpoint.replace(/\/+$/, "")}/.default`;

/** What `DpsCertificate_Get` answers (`CertificateResponse`), the fields this provider reads. */
export interface ArmCertificate {
  readonly etag: string;
  readonly properties: {
    readonly subject?: string;
    readonly expiry?: string;
    readonly thumbprint?: string;
    readonly isVerified?: boolean;
    readonly certificate?: string;
  };
}

export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface ArmCertificateClient {
  /** The certificate, or undefined when ARM answers 404. */
  get(): Promise<ArmCertificate | undefined>;
  /** PUT; `ifMatch` is the current ETag when the certificate exists. */
  put(certificate: string, isVerified: boolean, ifMatch: string | undefined): Promise<ArmCertificate>;
  /** DELETE with If-Match; true when deleted, false when ARM answers 404 (already gone). */
  delete(ifMatch: string): Promise<boolean>;
}

/** An ARM answer other than the ones the operation expects. */
export class ArmCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "ArmCallError";
  }
}

export function armCertificateClient(
  target: Pick<
    DpsCaCertificateInputs,
    "armEndpoint" | "subscriptionId" | "resourceGroupName" | "provisioningServiceName" | "certificateName"
  >,
  credential: TokenCredentialLike,
  fetchImpl: Fetch = fetch as unknown as Fetch,
): ArmCertificateClient {
  const path =
    `/subscriptions/${encodeURIComponent(target.subscriptionId)}` +
    `/resourceGroups/${encodeURIComponent(target.resourceGroupName)}` +
    `/providers/Microsoft.Devices/provisioningServices/${encodeURIComponent(target.provisioningServiceName)}` +
    `/certificates/${encodeURIComponent(target.certificateName)}`;
  const url = `${target.armEndpoint.replace(/\/+$/, "")}${path}?api-version=${DPS_CERTIFICATE_API_VERSION}`;
  const what = `certificate "${target.certificateName}" of DPS ${target.provisioningServiceName}`;

  async function call(method: string, extra: Record<string, string>, body?: unknown) {
    const token = await credential.getToken(armScope(target.armEndpoint));
    if (!token)
      throw new Error(
        `${method} ${what}: no Azure Resource Manager token (sign in: az login, or the pipeline's OIDC identity)`,
      );
    const response = await fetchImpl(url, {
      method,
      headers: {
        Authorization: `Bearer ${token.token}`,
        Accept: "application/json",
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
        ...extra,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed };
  }

  function failure(method: string, status: number, body: unknown): ArmCallError {
    // ARM's error body: { error: { code, message } } (DPS's ErrorDetails: { code, message, details }).
    const error =
      (body as { error?: { code?: string; message?: string }; code?: string; message?: string }) ?? {};
    const code = error.error?.code ?? error.code;
    const message = error.error?.message ?? error.message ?? "no message";
    const hint =
      status === 412
        ? " (the certificate changed since its ETag was read: run the command again)"
        : status === 403
          ? " (the deploying identity needs Microsoft.Devices/provisioningServices/certificates/* on the DPS)"
          : "";
    return new ArmCallError(
      `${method} ${what}: HTTP ${status} (${code ?? "no code"}: ${message.slice(0, 300)})${hint}`,
      status,
      code,
    );
  }

  const asCertificate = (body: unknown): ArmCertificate => {
    const b = (body ?? {}) as { etag?: unknown; properties?: ArmCertificate["properties"] };
    return { etag: typeof b.etag === "string" ? b.etag : "", properties: b.properties ?? {} };
  };

  return {
    async get() {
      const { status, body } = await call("GET", {});
      if (status === 404) return undefined;
      if (status !== 200) throw failure("GET", status, body);
      return asCertificate(body);
    },
    async put(certificate, isVerified, ifMatch) {
      const { status, body } = await call("PUT", ifMatch ? { "If-Match": ifMatch } : {}, {
        properties: { certificate, isVerified },
      });
      if (status !== 200 && status !== 201) throw failure("PUT", status, body);
      return asCertificate(body);
    },
    async delete(ifMatch) {
      const { status, body } = await call("DELETE", { "If-Match": ifMatch });
      if (status === 404) return false;
      if (status !== 200 && status !== 204) throw failure("DELETE", status, body);
      return true;
    },
  };
}
