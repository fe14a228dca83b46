// Signed HTTPS calls to a running emulator, for tests: its admin API (which Microsoft's SDKs do
// not know), and raw calls whose authorization header the test chooses (the emulator's
// authentication tests). The product's own admin client is components/platform/local/admin-client.ts.
import https from "node:https";
import { computeSignature } from "../emulator/auth/sas";

export interface EmulatorResponse<Body = unknown> {
  status: number;
  body: Body | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/** `SharedAccessSignature sr=…&sig=…&skn=…&se=…`: `resource` signed with `key` until `expiry` (Unix seconds). */
export function sasAuthorization(resource: string, key: string, keyName: string, expiry: number): string {
  const sig = encodeURIComponent(computeSignature(key, resource, expiry).toString("base64"));
  return `SharedAccessSignature sr=${resource}&sig=${sig}&skn=${keyName}&se=${expiry}`;
}

/** One HTTPS request to the emulator with exactly the `authorization` given (none when undefined). */
export function emulatorRequest<Body = unknown>(
  emu: { port: number; caCertPem: string },
  method: string,
  path: string,
  authorization: string | undefined,
  body?: unknown,
): Promise<EmulatorResponse<Body>> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "localhost",
        port: emu.port,
        method,
        path,
        ca: emu.caCertPem,
        headers: {
          ...(authorization ? { authorization } : {}),
          ...(text ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: data ? (JSON.parse(data) as Body) : undefined,
            headers: res.headers,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

/** A call to the admin API, signed for an hour with `connectionString`'s policy (the owner's by default). */
export function adminRequest(
  emu: { port: number; caCertPem: string; connectionString: string },
  method: string,
  path: string,
  body?: unknown,
  connectionString = emu.connectionString,
): Promise<EmulatorResponse> {
  const parts = Object.fromEntries(
    connectionString.split(";").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
  );
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  const authorization = sasAuthorization(
    parts.HostName as string,
    parts.SharedAccessKey as string,
    parts.SharedAccessKeyName as string,
    expiry,
  );
  return emulatorRequest(emu, method, path, authorization, body);
}
