/**
 * The Microsoft Entra ID credential for `useEntraId`, good for runs of any length.
 *
 * In GitHub Actions the usual chain (azure/login, then the Azure CLI credential) breaks in long
 * runs: the CLI logs in with the job's OIDC token once, and when it needs a token for a new
 * audience after that assertion has expired (minutes later: a first prod `up` reaches the
 * enrollments after the hubs, DPS and role assignment), Entra ID answers AADSTS700024 "Client
 * assertion is not within its valid time range" (Azure/azure-cli#28708, Azure/login#180 and #372).
 * So when the job can mint OIDC tokens (permission `id-token: write` sets ACTIONS_ID_TOKEN_REQUEST_URL
 * and ACTIONS_ID_TOKEN_REQUEST_TOKEN) and names the app (DPS_ENTRA_CLIENT_ID, DPS_ENTRA_TENANT_ID:
 * names of our own, because AZURE_CLIENT_ID would also steer the Go SDK's DefaultAzureCredential
 * of the state backend and secrets provider, e.g. to a user-assigned managed identity), we use
 * @azure/identity's ClientAssertionCredential with a callback that asks GitHub for a *fresh*
 * federated token each time Entra ID needs an assertion: `GET <ACTIONS_ID_TOKEN_REQUEST_URL>
 * &audience=api://AzureADTokenExchange` with `Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>`,
 * answer `{ "value": "<jwt>" }` (what actions/toolkit core's getIDToken does, and azure/login with
 * it). Elsewhere DefaultAzureCredential (workload identity with a token file, managed identity,
 * `az login` on a workstation).
 *
 * @azure/identity is loaded when the first credential is made, not with this module: only
 * `useEntraId` connections need it, and loading it takes about 0.9 s (measured on the project's
 * build machine), which every provider process would otherwise pay, previews included.
 */
import type * as identityModule from "@azure/identity";
import type { TokenCredentialLike } from "./client";

/** The audience Entra ID expects in a GitHub federated token. */
export const AZURE_FEDERATED_AUDIENCE = "api://AzureADTokenExchange";

export interface GitHubOidcSettings {
  readonly requestUrl: string;
  readonly requestToken: string;
  readonly clientId: string;
  readonly tenantId: string;
}

/** The GitHub OIDC settings when the environment has all four, else undefined. */
export function gitHubOidcSettings(
  env: Readonly<Record<string, string | undefined>>,
): GitHubOidcSettings | undefined {
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  const clientId = env.DPS_ENTRA_CLIENT_ID;
  const tenantId = env.DPS_ENTRA_TENANT_ID;
  return requestUrl && requestToken && clientId && tenantId
    ? { requestUrl, requestToken, clientId, tenantId }
    : undefined;
}

type Fetch = (
  url: string,
  init: { headers: Record<string, string> },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** A fresh GitHub OIDC token for Entra ID (never logged: it is a credential). */
export async function fetchGitHubFederatedToken(
  settings: GitHubOidcSettings,
  fetchImpl: Fetch = fetch as unknown as Fetch,
): Promise<string> {
  const url = new URL(settings.requestUrl);
  url.searchParams.set("audience", AZURE_FEDERATED_AUDIENCE);
  const response = await fetchImpl(url.toString(), {
    headers: { Authorization: `Bearer ${settings.requestToken}`, Accept: "application/json" },
  });
  if (!response.ok)
    throw new Error(
      `GitHub refused a federated token for Microsoft Entra ID (HTTP ${response.status}): does the job have permission id-token: write?`,
    );
  const value = ((await response.json()) as { value?: unknown }).value;
  if (typeof value !== "string" || value === "")
    throw new Error("GitHub's OIDC token endpoint answered without a token");
  return value;
}

/** The credential for this process's environment (see the module comment). */
export function createEntraCredential(
  env: Readonly<Record<string, string | undefined>>,
  fetchImpl?: Fetch,
): TokenCredentialLike {
  const identity = require("@azure/identity") as typeof identityModule;
  const github = gitHubOidcSettings(env);
  if (github) {
    return new identity.ClientAssertionCredential(github.tenantId, github.clientId, () =>
      fetchGitHubFederatedToken(github, fetchImpl),
    );
  }
  return new identity.DefaultAzureCredential();
}
