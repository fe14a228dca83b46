/** Human-readable logs. Never pass a key, signature, connection string or webhook URL. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`[dps-emulator] ${m}\n`),
  warn: (m) => process.stderr.write(`[dps-emulator] WARN ${m}\n`),
  error: (m) => process.stderr.write(`[dps-emulator] ERROR ${m}\n`),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** Webhook URLs carry function keys in their query string: log only scheme, host and path. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? "?<redacted>" : ""}`;
  } catch {
    return "<invalid url>";
  }
}
