import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema, PolicyConfigJSONSchemaType } from "@pulumi/policy/schema";

// Pulumi policy configuration is per policy: `--policy-pack-config file.json` maps each policy
// name to `{ enforcementLevel, ...properties }`; the special key `all` carries only an
// enforcement level. So every parameterised policy declares its own schema (the CLI validates
// the file against it and fills in `default`s) and reads its own properties here.

/** Merges the policy's configured properties over its defaults, the one place defaults apply. */
export function withDefaults<T extends object>(defaults: T, configured: Partial<T>): T {
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(configured)) {
    if (value !== undefined && value !== null) {
      merged[key] = value;
    }
  }
  return merged as T;
}

/** A config schema whose every property carries its default, so `pulumi` shows the effective values. */
export function schemaWithDefaults<T extends object>(
  defaults: T,
  properties: { [K in keyof T]-?: PolicyConfigJSONSchema },
): PolicyConfigSchema {
  const withDefault: PolicyConfigSchema["properties"] = {};
  for (const key of Object.keys(properties) as (keyof T & string)[]) {
    const fallback = defaults[key] as PolicyConfigJSONSchemaType | undefined;
    withDefault[key] = fallback === undefined ? properties[key] : { ...properties[key], default: fallback };
  }
  return { properties: withDefault };
}
