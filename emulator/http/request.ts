import { X509Certificate, randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { DpsError, ErrorCodes } from "../errors";

/** A request after the parse stage of the pipeline. */
export interface ParsedRequest {
  method: string;
  /** Decoded path segments, empty ones dropped (so a trailing slash does not matter). */
  segments: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when the request has none. */
  body: unknown;
  /** The device's TLS client certificate chain, leaf first (empty when none was sent). */
  peerCertificates: X509Certificate[];
  requestId: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function header(req: ParsedRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads and parses one request; enforces DPS's 96 KB message limit. */
export async function parseRequest(message: IncomingMessage, maxBodyBytes: number): Promise<ParsedRequest> {
  const url = new URL(message.url ?? "/", "https://emulator.invalid");
  const segments = url.pathname
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new DpsError(400, ErrorCodes.badRequest, "The request path has an invalid percent-encoding");
      }
    });
  const body = await readBody(message, maxBodyBytes);
  let parsed: unknown;
  if (body.length > 0) {
    const text = body.toString("utf8").trim();
    if (text !== "") {
      const type = String(message.headers["content-type"] ?? "application/json");
      if (!/json/i.test(type)) {
        throw new DpsError(
          415,
          ErrorCodes.unsupportedMediaType,
          `Content-Type ${type} is not supported; send application/json`,
        );
      }
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new DpsError(400, ErrorCodes.badRequest, "The request body is not valid JSON");
      }
    }
  }
  return {
    method: (message.method ?? "GET").toUpperCase(),
    segments,
    query: url.searchParams,
    headers: message.headers,
    body: parsed,
    peerCertificates: peerChain(message.socket as TLSSocket),
    requestId: randomUUID(),
  };
}

function readBody(message: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(message.headers["content-length"] ?? 0);
  if (declared > maxBytes) {
    message.resume();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    message.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(tooLarge(maxBytes));
        message.resume();
        return;
      }
      chunks.push(chunk);
    });
    message.on("end", () => resolve(Buffer.concat(chunks)));
    message.on("error", reject);
  });
}

const tooLarge = (max: number) =>
  new DpsError(
    413,
    ErrorCodes.payloadTooLarge,
    `The request body exceeds DPS's maximum message size of ${max / 1024} KB`,
  );

/** Walks the peer chain the TLS layer kept (the device's leaf, then the intermediates it sent). */
function peerChain(socket: TLSSocket): X509Certificate[] {
  if (typeof socket.getPeerCertificate !== "function") return [];
  const chain: X509Certificate[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    try {
      chain.push(new X509Certificate(cert.raw));
    } catch {
      break;
    }
    cert = cert.issuerCertificate;
  }
  return chain;
}
