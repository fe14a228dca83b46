import { CONFIG_NAMESPACE } from "./platform-config";

/**
 * Collects config problems, each naming the full config key (`dps-as-code:hubs.weu.sku`),
 * the offending value and what is allowed. Reading goes on after a problem so one run
 * reports every mistake, not just the first.
 */
export class ConfigChecker {
  readonly problems: string[] = [];

  /** `hubs.weu.sku` → `dps-as-code:hubs.weu.sku`. */
  key(path: string): string {
    return `${CONFIG_NAMESPACE}:${path}`;
  }

  fail(path: string, message: string): undefined {
    this.problems.push(`${this.key(path)}: ${message}`);
    return undefined;
  }

  /** A plain object (YAML map), or undefined when absent. */
  object(path: string, value: unknown): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) {
      return this.fail(path, `expected a map of settings, got ${describe(value)}`);
    }
    return value as Record<string, unknown>;
  }

  /** A list, or [] when absent. */
  list(path: string, value: unknown): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(path, `expected a list, got ${describe(value)}`);
      return [];
    }
    return value;
  }

  /** Reports settings this schema does not know (typos such as `alocationWeight`). */
  onlyKnownKeys(path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
    for (const k of Object.keys(value)) {
      if (!allowed.includes(k)) {
        this.fail(`${path}.${k}`, `unknown setting; allowed: ${allowed.join(", ")}`);
      }
    }
  }

  string(path: string, value: unknown, fallback?: string): string | undefined {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "string") return this.fail(path, `expected a string, got ${describe(value)}`);
    return value;
  }

  requiredString(path: string, value: unknown, hint: string): string | undefined {
    if (value === undefined || value === null || value === "")
      return this.fail(path, `is required (${hint})`);
    return this.string(path, value);
  }

  matching(
    path: string,
    value: unknown,
    pattern: RegExp,
    rule: string,
    fallback?: string,
  ): string | undefined {
    const s = this.string(path, value, fallback);
    if (s === undefined) return undefined;
    if (!pattern.test(s)) return this.fail(path, `${JSON.stringify(s)} is not allowed; ${rule}`);
    return s;
  }

  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[], fallback: T): T | undefined {
    if (value === undefined || value === null) return fallback;
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
    return this.fail(
      path,
      `${describe(value)} is not allowed; allowed ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
    );
  }

  integer(
    path: string,
    value: unknown,
    range: { min: number; max: number },
    fallback: number,
  ): number | undefined {
    if (value === undefined || value === null) return fallback;
    const allowed = `allowed ${range.min}..${range.max}`;
    if (typeof value !== "number" || !Number.isFinite(value))
      return this.fail(path, `${describe(value)} is not a number; ${allowed}`);
    if (!Number.isInteger(value)) return this.fail(path, `${value} is not a whole number; ${allowed}`);
    if (value < range.min || value > range.max)
      return this.fail(path, `${value} is out of range; ${allowed}`);
    return value;
  }

  boolean(path: string, value: unknown, fallback: boolean): boolean | undefined {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "boolean")
      return this.fail(path, `${describe(value)} is not allowed; allowed true, false`);
    return value;
  }

  /** A map of string tags; Azure tag values are strings, so numbers are rejected, not coerced. */
  tags(path: string, value: unknown): Record<string, string> {
    const map = this.object(path, value);
    const out: Record<string, string> = {};
    if (!map) return out;
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== "string") this.fail(`${path}.${k}`, `expected a string tag value, got ${describe(v)}`);
      else if (k.length > 512 || v.length > 256)
        this.fail(`${path}.${k}`, "tag names are at most 512 characters and values at most 256");
      else out[k] = v;
    }
    return out;
  }
}

/** Renders a config value for an error message (config values here are never secrets). */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a map";
  return JSON.stringify(value);
}
