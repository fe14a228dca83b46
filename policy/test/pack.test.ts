import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Policy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { createPolicies } from "../policies";

// The pack as the engine sees it: names, descriptions, config schemas, and the config files
// passed with --policy-pack-config. (The engine validates config against the schemas with
// gojsonschema; this test catches typos and wrong types before that.)
const policies = createPolicies() as (Policy & Partial<StackValidationPolicy>)[];
const configDir = join(__dirname, "..", "config");
const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

describe("the dps-as-code policy pack", () => {
  it("names every policy <service>-<resource>-<rule> in kebab case, once", () => {
    const names = policies.map((policy) => policy.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^(iothub|dps)-[a-z0-9]+(-[a-z0-9]+)+$/);
    }
  });

  it("has one policy file per policy, named after it", () => {
    const files = readdirSync(join(__dirname, "..", "policies")).filter((file) => file !== "index.ts");
    expect(files.map((file) => file.replace(/\.ts$/, "")).sort()).toEqual(
      policies.map((policy) => policy.name).sort(),
    );
  });

  it("gives every policy a one-sentence description", () => {
    for (const policy of policies) {
      expect(policy.description, policy.name).toMatch(/^[A-Z].*\.$/);
    }
  });

  it("gives every schema property a default", () => {
    for (const policy of policies) {
      for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
        expect(typeof schema === "object" && schema.default !== undefined, `${policy.name}.${key}`).toBe(
          true,
        );
      }
    }
  });

  for (const file of readdirSync(configDir).filter((name) => name.endsWith(".json"))) {
    it(`config/${file} names only existing policies and declared properties of the right type`, () => {
      const config = JSON.parse(readFileSync(join(configDir, file), "utf8")) as Record<string, unknown>;
      for (const [name, value] of Object.entries(config)) {
        if (typeof value === "string") {
          expect(ENFORCEMENT_LEVELS, `${file}: ${name}`).toContain(value);
          if (name === "all") {
            continue;
          }
        }
        const policy = policies.find((candidate) => candidate.name === name);
        expect(policy, `${file}: unknown policy "${name}"`).toBeDefined();
        if (typeof value === "string") {
          continue;
        }
        const { enforcementLevel, ...properties } = value as Record<string, unknown>;
        if (enforcementLevel !== undefined) {
          expect(ENFORCEMENT_LEVELS, `${file}: ${name}.enforcementLevel`).toContain(enforcementLevel);
        }
        for (const [key, setting] of Object.entries(properties)) {
          const schema = policy?.configSchema?.properties[key];
          expect(schema, `${file}: ${name}.${key} is not in the policy's schema`).toBeDefined();
          const type = typeof schema === "object" ? schema.type : undefined;
          const actual = Array.isArray(setting)
            ? "array"
            : Number.isInteger(setting)
              ? "integer"
              : typeof setting;
          expect(
            [type, type === "number" && actual === "integer" ? "integer" : undefined],
            `${file}: ${name}.${key}`,
          ).toContain(actual);
        }
      }
    });
  }

  it("runs the prod config's patterns as valid regular expressions", () => {
    const config = JSON.parse(readFileSync(join(configDir, "prod.json"), "utf8")) as Record<
      string,
      Record<string, string>
    >;
    const patterns = config["dps-enrollment-registration-id-pattern"] ?? {};
    for (const pattern of Object.values(patterns)) {
      expect(() => new RegExp(pattern)).not.toThrow();
    }
  });
});
