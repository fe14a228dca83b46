/**
 * The Entra ID credential for long pipelines: in GitHub Actions it asks GitHub for a fresh
 * federated token every time Entra ID needs an assertion, so no run outlives its credential
 * (the Azure CLI login's assertion expires after minutes: AADSTS700024). Fakes stand in for
 * GitHub's token endpoint; nothing reaches Entra ID.
 */
import { describe, expect, it } from "vitest";
import {
  createEntraCredential,
  fetchGitHubFederatedToken,
  gitHubOidcSettings,
} from "../../components/dps-client/entra-credential";
import { classifyUnauthorized, ROLE_PROPAGATION_WINDOW_MS } from "../../components/dps-client/unauthorized";

const GITHUB_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: "https://pipelines.actions.example/oidc/token?api-version=2.0",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runtime-request-token",
  DPS_ENTRA_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
  DPS_ENTRA_TENANT_ID: "66666666-7777-8888-9999-000000000000",
};

/** A fake GitHub token endpoint handing out a new token per request. */
function fakeGitHub() {
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const fetchImpl = async (url: string, init: { headers: Record<string, string> }) => {
    requests.push({ url, headers: init.headers });
    return { ok: true, status: 200, json: async () => ({ value: `github-oidc-jwt-${requests.length}` }) };
  };
  return { requests, fetchImpl };
}

describe("the Entra ID credential", () => {
  it("uses GitHub's OIDC endpoint only when the job can mint tokens and names the app", () => {
    expect(gitHubOidcSettings(GITHUB_ENV)).toEqual({
      requestUrl: GITHUB_ENV.ACTIONS_ID_TOKEN_REQUEST_URL,
      requestToken: "runtime-request-token",
      clientId: GITHUB_ENV.DPS_ENTRA_CLIENT_ID,
      tenantId: GITHUB_ENV.DPS_ENTRA_TENANT_ID,
    });
    for (const missing of Object.keys(GITHUB_ENV))
      expect(gitHubOidcSettings({ ...GITHUB_ENV, [missing]: undefined })).toBeUndefined();
    // By class name: the provider require()s @azure/identity's CommonJS build, this test imports its ESM one.
    expect(createEntraCredential({}).constructor.name).toBe("DefaultAzureCredential");
  });

  it("asks GitHub for a new token with Entra ID's audience on every assertion", async () => {
    const github = fakeGitHub();
    const settings = gitHubOidcSettings(GITHUB_ENV)!;
    expect(await fetchGitHubFederatedToken(settings, github.fetchImpl)).toBe("github-oidc-jwt-1");
    expect(await fetchGitHubFederatedToken(settings, github.fetchImpl)).toBe("github-oidc-jwt-2");
    const url = new URL(github.requests[0]!.url);
    expect(url.searchParams.get("audience")).toBe("api://AzureADTokenExchange");
    expect(url.searchParams.get("api-version")).toBe("2.0");
    expect(github.requests[0]!.headers.Authorization).toBe("Bearer runtime-request-token");
  });

  it("builds a client-assertion credential whose assertion is fetched fresh each time", async () => {
    const github = fakeGitHub();
    const credential = createEntraCredential(GITHUB_ENV, github.fetchImpl);
    expect(credential.constructor.name).toBe("ClientAssertionCredential");
    // The callback @azure/identity calls whenever Entra ID needs an assertion (a private field).
    const getAssertion = (credential as unknown as { getAssertion: () => Promise<string> }).getAssertion;
    expect([await getAssertion(), await getAssertion()]).toEqual(["github-oidc-jwt-1", "github-oidc-jwt-2"]);
  });

  it("says what is wrong when GitHub refuses a token", async () => {
    const refusing = async () => ({ ok: false, status: 403, json: async () => ({}) });
    await expect(fetchGitHubFederatedToken(gitHubOidcSettings(GITHUB_ENV)!, refusing)).rejects.toThrow(
      "GitHub refused a federated token for Microsoft Entra ID (HTTP 403): does the job have permission id-token: write?",
    );
  });
});

describe("classifying a 401", () => {
  const now = Date.parse("2026-11-29T10:00:00Z");
  const entra = (roleAssignedAt?: string) => ({
    serviceEndpoint: "dps.example.net",
    useEntraId: true,
    ...(roleAssignedAt ? { roleAssignedAt } : {}),
  });
  const unauthorized = {
    status: 401,
    errorCode: 401002,
    serviceMessage: "Unauthorized",
    description: "HTTP 401",
  };
  it.each([
    [
      "a shared key's 401",
      {
        serviceEndpoint: "dps.example.net",
        connectionString: "HostName=x;SharedAccessKeyName=p;SharedAccessKey=a2V5",
      },
      unauthorized,
      "shared-key",
    ],
    [
      "a 401 minutes after the role assignment",
      entra(new Date(now - 3 * 60_000).toISOString()),
      unauthorized,
      "role-propagation",
    ],
    [
      "a 401 after the propagation window",
      entra(new Date(now - ROLE_PROPAGATION_WINDOW_MS).toISOString()),
      unauthorized,
      "no-role-or-ip-filter",
    ],
    ["a 401 with no known assignment time", entra(), unauthorized, "no-role-or-ip-filter"],
    [
      "a 401 naming the IP filter, right after the assignment",
      entra(new Date(now).toISOString()),
      { ...unauthorized, serviceMessage: "IP filter rule rejected the request" },
      "ip-filter",
    ],
  ] as const)("%s", (_name, connection, failure, kind) => {
    expect(classifyUnauthorized(failure, connection, now)).toBe(kind);
  });
});
