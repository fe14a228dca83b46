/**
 * The lock files of a stack in the backend PULUMI_BACKEND_URL names: a folder (`file://`, the local
 * and test stacks) or an Azure Blob container (`azblob://<container>?storage_account=<account>`,
 * the pipelines'). Pulumi's DIY backend keeps one object per running operation at
 * `.pulumi/locks/<organization>/<project>/<stack>/<lock id>.json` (pulumi/pulumi
 * pkg/backend/diy/lock.go, stackLockDir and lockPath) in either.
 */
import * as fs from "node:fs";
import type * as identityModule from "@azure/identity";
import { findLocks } from "./locks";
import type { LockContent } from "./lock-verdict";
import { fileBackendDir } from "./torn-sidecars";

export interface StoredLock extends LockContent {
  /** Where it is: a path, or the blob's name in its container. */
  readonly key: string;
}

export interface LockStore {
  readonly where: string;
  list(stack: string): Promise<StoredLock[]>;
  remove(lock: StoredLock): Promise<void>;
}

/** The lock store of a backend URL, or a message saying why there is none. */
export function lockStoreFor(
  backendUrl: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LockStore | string {
  const dir = fileBackendDir(backendUrl);
  if (dir !== undefined) return fileLockStore(dir);
  if (backendUrl.startsWith("azblob://")) {
    const url = new URL(backendUrl);
    const container = url.host;
    const account = url.searchParams.get("storage_account") ?? env.AZURE_STORAGE_ACCOUNT;
    if (!container || !account)
      return `PULUMI_BACKEND_URL ${backendUrl} names no container or storage account (azblob://<container>?storage_account=<account>)`;
    return azureBlobLockStore(account, container, env.AZURE_STORAGE_DOMAIN ?? "core.windows.net");
  }
  return `the backend ${backendUrl || "(PULUMI_BACKEND_URL not set)"} is neither file:// nor azblob://`;
}

function fileLockStore(dir: string): LockStore {
  return {
    where: dir,
    list: (stack) =>
      Promise.resolve(findLocks(dir, stack).map(({ file, ...content }) => ({ key: file, ...content }))),
    remove: (lock) => {
      fs.rmSync(lock.key, { force: true });
      // The file backend (gocloud.dev fileblob) may keep each object's attributes beside it.
      fs.rmSync(`${lock.key}.attrs`, { force: true });
      return Promise.resolve();
    },
  };
}

/**
 * Blob REST with a Microsoft Entra token (List Blobs, Get Blob, Delete Blob:
 * https://learn.microsoft.com/rest/api/storageservices/list-blobs, .../get-blob, .../delete-blob;
 * bearer tokens need x-ms-version 2017-11-09 or later:
 * https://learn.microsoft.com/rest/api/storageservices/authorize-with-azure-active-directory).
 * The token comes from DefaultAzureCredential, which the workflows pin to the same credential as
 * the Go backend's (AZURE_TOKEN_CREDENTIALS=WorkloadIdentityCredential): this tool signs in as the
 * state backend does, never as another identity on the runner.
 */
function azureBlobLockStore(account: string, container: string, domain: string): LockStore {
  const base = `https://${account}.blob.${domain}/${container}`;
  let credential: identityModule.TokenCredential | undefined;
  const request = async (url: string, method: "GET" | "DELETE"): Promise<string> => {
    const identity = require("@azure/identity") as typeof identityModule;
    credential ??= new identity.DefaultAzureCredential();
    const token = await credential.getToken("https://storage.azure.com/.default");
    if (!token) throw new Error(`no Microsoft Entra token for storage account ${account}`);
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token.token}`, "x-ms-version": "2021-08-06" },
    });
    // A lock deleted between the listing and now (its run ended) is what we wanted.
    if (method === "DELETE" && response.status === 404) return "";
    if (!response.ok)
      throw new Error(
        `${method} ${url.split("?")[0]}: HTTP ${response.status} ${response.headers.get("x-ms-error-code") ?? ""}`.trim(),
      );
    return response.text();
  };
  const blobUrl = (name: string) => `${base}/${name.split("/").map(encodeURIComponent).join("/")}`;
  return {
    where: base,
    async list(stack) {
      const names: string[] = [];
      let marker = "";
      do {
        const xml = await request(
          `${base}?restype=container&comp=list&prefix=${encodeURIComponent(".pulumi/locks/")}${marker ? `&marker=${encodeURIComponent(marker)}` : ""}`,
          "GET",
        );
        for (const m of xml.matchAll(/<Name>([^<]*)<\/Name>/g)) names.push(xmlText(m[1]!));
        marker = xmlText(/<NextMarker>([^<]*)<\/NextMarker>/.exec(xml)?.[1] ?? "");
      } while (marker);
      const locks: StoredLock[] = [];
      for (const name of names.filter((n) => isLockOf(n, stack))) {
        const content = JSON.parse(await request(blobUrl(name), "GET")) as LockContent;
        locks.push({ key: name, ...content });
      }
      return locks;
    },
    async remove(lock) {
      await request(blobUrl(lock.key), "DELETE");
    },
  };
}

/** `.pulumi/locks/<organization>/<project>/<stack>/<id>.json` */
export function isLockOf(key: string, stack: string): boolean {
  const parts = key.split("/");
  return (
    parts.length === 6 &&
    parts[0] === ".pulumi" &&
    parts[1] === "locks" &&
    parts[4] === stack &&
    parts[5]!.endsWith(".json")
  );
}

function xmlText(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
