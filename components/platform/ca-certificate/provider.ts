/**
 * The DpsCaCertificate dynamic provider: a CA certificate of an Azure DPS, written through ARM
 * with its ETag (arm-client.ts), so that `pulumi destroy` and the last step of a CA rotation can
 * delete it (DpsCertificate_Delete requires If-Match) and an in-place change is an update, not a
 * 412 (DpsCertificate_CreateOrUpdate requires If-Match for an existing certificate).
 *
 * A refresh never makes an unchanged certificate look changed: the certificate is compared by
 * its thumbprint, not its text (DPS takes PEM, base64 of PEM or base64 of DER and answers in a
 * form of its own; contract/dps/certificates.ts), and a certificate uploaded unverified that
 * someone verified since by proof of possession (`az iot dps certificate verify`, the flow for
 * `verified: false`) stays as declared.
 *
 * It runs in the dynamic-provider process, loaded by its stable name through the project's
 * provider entry (dynamic-providers.js). ARM tokens come from the credential the enrollment
 * resources use for Entra ID (components/dps-client/entra-credential.ts): the pipeline's
 * federated identity in GitHub Actions, DefaultAzureCredential (`az login`) elsewhere.
 */
import type * as pulumi from "@pulumi/pulumi";
import { parseCertificate, UNKNOWN_VALUE } from "@dps-as-code/contract";
import { createEntraCredential, type TokenCredentialLike } from "../../dps-client";
import {
  ArmCallError,
  type ArmCertificate,
  type ArmCertificateClient,
  armCertificateClient,
  AZURE_PUBLIC_ARM_ENDPOINT,
  type Fetch,
} from "./arm-client";
import type { DpsCaCertificateInputs, DpsCaCertificateOutputs } from "./types";

/** Where the certificate lives: a change of any of these is another certificate (a replace). */
const IDENTITY_FIELDS = [
  "armEndpoint",
  "subscriptionId",
  "resourceGroupName",
  "provisioningServiceName",
  "certificateName",
] as const;

export interface DpsCaCertificateProviderDependencies {
  readonly credential: () => TokenCredentialLike;
  readonly fetch?: Fetch;
}

/** SHA-1 thumbprint (upper-case hex) of a certificate text in any form DPS takes; undefined if it does not parse. */
export function certificateThumbprint(text: string | undefined): string | undefined {
  if (typeof text !== "string") return undefined;
  const parsed = parseCertificate(text);
  return parsed.ok ? parsed.certificate.sha1Thumbprint : undefined;
}

/** Whether two certificate texts are the same certificate (the same DER, whatever the encoding). */
export function sameCertificate(a: string | undefined, b: string | undefined): boolean {
  const ta = certificateThumbprint(a);
  return ta !== undefined ? ta === certificateThumbprint(b) : a === b;
}

/** The thumbprint ARM reports, else the one of the certificate it returns. */
function liveThumbprint(live: ArmCertificate): string | undefined {
  return live.properties.thumbprint?.toUpperCase() ?? certificateThumbprint(live.properties.certificate);
}

function ownInputs(props: DpsCaCertificateInputs): DpsCaCertificateInputs {
  return {
    subscriptionId: props.subscriptionId,
    resourceGroupName: props.resourceGroupName,
    provisioningServiceName: props.provisioningServiceName,
    certificateName: props.certificateName,
    properties: { certificate: props.properties.certificate, isVerified: props.properties.isVerified },
    armEndpoint: props.armEndpoint ?? AZURE_PUBLIC_ARM_ENDPOINT,
  };
}

function outputsOf(inputs: DpsCaCertificateInputs, live: ArmCertificate): DpsCaCertificateOutputs {
  return {
    ...inputs,
    etag: live.etag,
    thumbprint: liveThumbprint(live) ?? certificateThumbprint(inputs.properties.certificate) ?? "",
    subject: live.properties.subject ?? "",
    expiry: live.properties.expiry ?? "",
  };
}

function checkInputs(news: Partial<DpsCaCertificateInputs>): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const known = (v: unknown) => v !== UNKNOWN_VALUE && v !== undefined;
  for (const field of IDENTITY_FIELDS.filter((f) => f !== "armEndpoint")) {
    const value = news[field];
    if (value !== UNKNOWN_VALUE && (typeof value !== "string" || value === ""))
      failures.push({
        property: field,
        reason: `is required (a non-empty string), got ${JSON.stringify(value)}`,
      });
  }
  const certificate = news.properties?.certificate;
  if (known(certificate)) {
    const parsed = typeof certificate === "string" ? parseCertificate(certificate) : undefined;
    if (!parsed?.ok)
      failures.push({
        property: "properties.certificate",
        reason: parsed && !parsed.ok ? `${parsed.problem}; allowed: ${parsed.allowed}` : "is required",
      });
  }
  const isVerified = news.properties?.isVerified;
  if (known(isVerified) && typeof isVerified !== "boolean")
    failures.push({ property: "properties.isVerified", reason: "must be true or false" });
  return failures;
}

/** Runs `write` with the certificate's current ETag, once more with a fresh one if ARM answers 412. */
async function withCurrentEtag<T>(
  client: ArmCertificateClient,
  write: (current: ArmCertificate | undefined) => Promise<T>,
): Promise<T> {
  try {
    return await write(await client.get());
  } catch (error) {
    // Someone changed the certificate between our read and our write: read again, once.
    if (error instanceof ArmCallError && error.status === 412) return write(await client.get());
    throw error;
  }
}

export function createDpsCaCertificateProvider(
  deps: DpsCaCertificateProviderDependencies,
): pulumi.dynamic.ResourceProvider<DpsCaCertificateInputs, DpsCaCertificateOutputs> {
  const clientFor = (inputs: DpsCaCertificateInputs) =>
    armCertificateClient(ownInputs(inputs), deps.credential(), deps.fetch);

  return {
    async check(_olds, news) {
      return {
        inputs: { ...news, armEndpoint: news.armEndpoint ?? AZURE_PUBLIC_ARM_ENDPOINT },
        failures: checkInputs(news),
      };
    },

    async diff(_id, olds, news) {
      const o = ownInputs(olds);
      const n = ownInputs(news);
      const replaces = IDENTITY_FIELDS.filter((f) => o[f] !== n[f]);
      const changed = [
        ...(sameCertificate(o.properties.certificate, n.properties.certificate)
          ? []
          : ["properties.certificate"]),
        ...(o.properties.isVerified === n.properties.isVerified ? [] : ["properties.isVerified"]),
      ];
      return {
        changes: replaces.length > 0 || changed.length > 0,
        replaces: [...replaces],
        // The name is chosen by the stack: the old certificate must be gone before a new one takes it.
        deleteBeforeReplace: o.certificateName === n.certificateName,
        stables: ["thumbprint"].filter(() => changed.length === 0),
      };
    },

    async create(props) {
      const inputs = ownInputs(props);
      const client = clientFor(inputs);
      const live = await withCurrentEtag(client, async (current) => {
        if (!current)
          return client.put(inputs.properties.certificate, inputs.properties.isVerified, undefined);
        // A certificate of this name is already there: the same one (an interrupted create, or one
        // azure-native's DpsCertificate uploaded) is taken over; another is never overwritten.
        if (liveThumbprint(current) !== certificateThumbprint(inputs.properties.certificate))
          throw new Error(
            `create certificate "${inputs.certificateName}" of DPS ${inputs.provisioningServiceName}: the DPS already holds a different certificate under this name (thumbprint ${liveThumbprint(current) ?? "unknown"}); declare it with { existing: true }, or give the new CA another name`,
          );
        return current.properties.isVerified === inputs.properties.isVerified || !inputs.properties.isVerified
          ? current
          : client.put(inputs.properties.certificate, inputs.properties.isVerified, current.etag);
      });
      return {
        id: `${inputs.provisioningServiceName}/${inputs.certificateName}`,
        outs: outputsOf(inputs, live),
      };
    },

    async read(id, props) {
      if (!props) {
        throw new Error(
          `DpsCaCertificate read ${id}: no stored state; import is not supported (the certificate is declared in dps.caCertificates)`,
        );
      }
      const stored = ownInputs(props);
      const live = await clientFor(stored).get();
      if (!live) return { id: "", props: {} as DpsCaCertificateOutputs };
      const unchanged = liveThumbprint(live) === certificateThumbprint(stored.properties.certificate);
      const liveVerified = live.properties.isVerified ?? stored.properties.isVerified;
      const current: DpsCaCertificateInputs = {
        ...stored,
        properties: {
          // The declared text while DPS holds the same certificate: its own rendering is no change.
          certificate: unchanged
            ? stored.properties.certificate
            : (live.properties.certificate ??
              `(a certificate with thumbprint ${liveThumbprint(live) ?? "unknown"})`),
          // Verified since by proof of possession: what `verified: false` is for, not drift.
          isVerified: stored.properties.isVerified === false && liveVerified ? false : liveVerified,
        },
      };
      // `inputs` lets refresh report drift against the program (Pulumi types them as outputs).
      return { id, props: outputsOf(current, live), inputs: current as DpsCaCertificateOutputs };
    },

    async update(_id, _olds, news) {
      const inputs = ownInputs(news);
      const client = clientFor(inputs);
      const live = await withCurrentEtag(client, (current) =>
        client.put(inputs.properties.certificate, inputs.properties.isVerified, current?.etag),
      );
      return { outs: outputsOf(inputs, live) };
    },

    async delete(_id, props) {
      const client = clientFor(ownInputs(props));
      await withCurrentEtag(client, async (current) => {
        // Gone already (deleted by hand, or by an earlier interrupted run): nothing to do.
        if (!current) return;
        await client.delete(current.etag);
      });
    },
  };
}

/** One credential per provider process: tokens are cached by @azure/identity. */
let credential: TokenCredentialLike | undefined;

/** The provider dynamic-providers.js hands the engine. */
export function dpsCaCertificateProvider(): pulumi.dynamic.ResourceProvider<
  DpsCaCertificateInputs,
  DpsCaCertificateOutputs
> {
  // The provider process is the one place that reads the environment for a credential, as the
  // enrollment resources' provider does (components/dps-client/client.ts).
  return createDpsCaCertificateProvider({
    credential: () => (credential ??= createEntraCredential(process.env)),
  });
}
