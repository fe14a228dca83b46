// Structural validation against the published JSON Schema (the same file editors use), with
// ajv's errors rewritten into the project's message format: field, problem, what is allowed.
import Ajv from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import schema from "../../schemas/enrollment-manifest.schema.json";
import type { ManifestProblem } from "./errors";
import { describeValue, entryAt, fieldName } from "./fields";
import { secretLook } from "./secret-like";
import type { ParsedManifest } from "./yaml-source";

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false });
    // Human wording for a pattern, kept next to the pattern in the published schema.
    ajv.addKeyword({ keyword: "x-allowed", schemaType: "string" });
    // The problem in words when a conditional `required` fails (e.g. iotHubs without allocationPolicy).
    ajv.addKeyword({ keyword: "x-missing", schemaType: "string" });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Names people reach for when pasting a key; each gets a message that says what to do instead. */
const SECRET_FIELD_ADVICE: Record<string, string> = {
  primaryKey:
    "primaryKeySecret (the name of a Pulumi secret config key), or no key at all so DPS generates one",
  secondaryKey:
    "secondaryKeySecret (the name of a Pulumi secret config key), or no key at all so DPS generates one",
  webhookUrl: "webhookUrlSecret (the name of a Pulumi secret config key holding the URL)",
};

export interface SchemaCheck {
  readonly problems: ManifestProblem[];
  /** `defaults`, `individualEnrollments/3`, ...: parts that failed and are not checked further. */
  readonly broken: ReadonlySet<string>;
}

export function checkSchema(manifest: ParsedManifest): SchemaCheck {
  const validate = validator();
  if (validate(manifest.value)) return { problems: [], broken: new Set() };
  const problems: ManifestProblem[] = [];
  const broken = new Set<string>();
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const [top, index] = error.instancePath.split("/").slice(1);
    if (top === "defaults") broken.add(top);
    else if (top !== undefined && index !== undefined) broken.add(`${top}/${index}`);
    const problem = translate(manifest, error);
    if (!problem) continue;
    // A too-long id breaks maxLength and pattern at once: report the field once.
    const key = `${problem.line}:${problem.column}:${problem.field ?? ""}:${problem.problem.startsWith("value") ? "value" : problem.problem}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return { problems, broken };
}

function translate(manifest: ParsedManifest, error: ErrorObject): ManifestProblem | undefined {
  const path = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const entry = entryAt(manifest.value, path);
  const at = (fieldPath: (string | number)[], atKey = false) => ({
    file: manifest.file,
    ...manifest.positionOf(fieldPath, atKey),
    ...(entry ? { entry: entry.entry } : {}),
  });
  const field = (fieldPath: (string | number)[]) => fieldName(fieldPath, entry ? 2 : 0) || undefined;
  const parentSchema = error.parentSchema as
    | {
        properties?: Record<string, unknown>;
        "x-allowed"?: string;
        "x-missing"?: string;
        description?: string;
      }
    | undefined;

  switch (error.keyword) {
    case "if":
      return undefined; // the failing `then` branch is reported on its own
    case "additionalProperties": {
      const name = String((error.params as { additionalProperty: string }).additionalProperty);
      const full = [...path, name];
      const advice = SECRET_FIELD_ADVICE[name];
      if (advice) {
        return {
          ...at(full, true),
          field: field(full),
          problem: "secrets never appear in manifests",
          allowed: advice,
        };
      }
      const allowed = Object.keys(parentSchema?.properties ?? {}).join(", ");
      return { ...at(full, true), field: field(full), problem: "unknown field", allowed };
    }
    case "required": {
      const name = String((error.params as { missingProperty: string }).missingProperty);
      const full = [...path, name];
      const missing = parentSchema?.["x-missing"];
      if (missing) {
        // A rule between fields: say which, and what DPS wants, in the rule's own words.
        return {
          ...at(path),
          field: field(full),
          problem: missing,
          allowed: allowedBy(parentSchema?.properties?.[name]),
        };
      }
      return {
        ...at(path),
        field: field(full),
        problem: "required field is missing",
        allowed: `${name}: ${allowedBy(parentSchema?.properties?.[name])}`,
      };
    }
    case "type": {
      const expected = String((error.params as { type: string }).type).replace("array", "list");
      const problem = `expected ${article(expected)}, got ${typeName(error.data)}`;
      if (path.length === 0) {
        const allowed = `a mapping with ${Object.keys(parentSchema?.properties ?? {}).join(", ")}`;
        return { ...at(path), problem, allowed };
      }
      return { ...at(path), field: field(path), problem, allowed: allowedBy(parentSchema) };
    }
    case "enum":
    case "const": {
      const allowed = (error.params as { allowedValues?: unknown[]; allowedValue?: unknown })
        .allowedValues ?? [(error.params as { allowedValue?: unknown }).allowedValue];
      return {
        ...at(path),
        field: field(path),
        problem: `value ${describeValue(path, error.data)} is not allowed`,
        allowed: allowed.map(String).join(", "),
      };
    }
    case "pattern":
    case "minLength":
    case "maxLength": {
      const name = path[path.length - 1];
      const look =
        typeof name === "string" && name.endsWith("Secret") && typeof error.data === "string"
          ? secretLook(error.data)
          : undefined;
      if (look) {
        // A pasted key or webhook URL: never echo it, say where it belongs.
        return {
          ...at(path),
          field: field(path),
          problem: `the value looks like ${look}, a secret value (hidden), not the name of a config key; secrets never appear in manifests`,
          allowed:
            "the name of a Pulumi secret config key (e.g. meterGroupPrimaryKey): put the value in the stack with `pulumi config set --secret <name>` and write the name here",
        };
      }
      return {
        ...at(path),
        field: field(path),
        problem: `value ${describeValue(path, error.data)} is not valid`,
        allowed: parentSchema?.["x-allowed"] ?? `${error.keyword} ${JSON.stringify(error.params)}`,
      };
    }
    case "minItems":
      return {
        ...at(path),
        field: field(path),
        problem: "the list is empty",
        allowed: "at least one item, or leave the field out",
      };
    case "uniqueItems": {
      const { i, j } = error.params as { i: number; j: number };
      const items = Array.isArray(error.data) ? error.data : [];
      return {
        ...at([...path, i]),
        field: field([...path, i]),
        problem: `duplicate value ${describeValue(path, items[i])} (also item ${j + 1})`,
        allowed: "each value once",
      };
    }
    default:
      return {
        ...at(path),
        field: field(path),
        problem: error.message ?? `fails the schema rule '${error.keyword}'`,
      };
  }
}

type SchemaNode = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, unknown>;
  "x-allowed"?: string;
  description?: string;
};

/** What a schema node accepts, in words: its own `x-allowed`, its values, or its type and fields. */
function allowedBy(node: unknown): string {
  let schemaNode = node as SchemaNode | undefined;
  const ref = schemaNode?.$ref?.replace("#/definitions/", "");
  if (ref) schemaNode = (schema.definitions as Record<string, SchemaNode>)[ref];
  if (!schemaNode) return "see the JSON Schema (schemas/enrollment-manifest.schema.json)";
  if (schemaNode["x-allowed"]) return schemaNode["x-allowed"];
  if (schemaNode.enum) return `one of ${schemaNode.enum.map(String).join(", ")}`;
  const type = (schemaNode.type ?? "object").replace("array", "list");
  const fields = schemaNode.properties ? ` with ${Object.keys(schemaNode.properties).join(", ")}` : "";
  return type === "boolean" ? "true or false" : `${article(type === "object" ? "mapping" : type)}${fields}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value === "string" ? "a string" : article(typeof value)} (${describeValue([], value)})`;
}
