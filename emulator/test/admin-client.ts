import https from "node:https";
import { computeSignature } from "../auth/sas";

/** A minimal signed HTTPS call for the admin API (tests only; the product has its own client). */
export function adminRequest(
  emu: { port: number; caCertPem: string; connectionString: string },
  method: string,
  path: string,
  body?: unknown,
  connectionString = emu.connectionString,
): Promise<{ status: number; body: unknown; headers: Record<string, string | string[] | undefined> }> {
  const parts = Object.fromEntries(
    connectionString.split(";").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
  );
  const host = parts.HostName as string;
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  const sig = encodeURIComponent(
    computeSignature(parts.SharedAccessKey as string, host, expiry).toString("base64"),
  );
  const auth = `SharedAccessSignature sr=${host}&sig=${sig}&skn=${parts.SharedAccessKeyName}&se=${expiry}`;
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "localhost",
        port: emu.port,
        method,
        path,
        ca: emu.caCertPem,
        headers: { authorization: auth, ...(text ? { "content-type": "application/json" } : {}) },
      },
      (res) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: data ? JSON.parse(data) : undefined,
            headers: res.headers,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}
