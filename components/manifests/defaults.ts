// Per-file defaults: the one place where they are applied. An entry's own value wins; plain
// objects (initialTwin, reprovisionPolicy, ...) merge key by key so a file can share twin tags
// while each entry adds its own; lists (iotHubs) replace, since "these hubs" means exactly those.

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function applyDefaults(defaults: PlainObject | undefined, entry: PlainObject): PlainObject {
  return defaults ? deepMerge(defaults, entry) : entry;
}

function deepMerge(base: PlainObject, override: PlainObject): PlainObject {
  const out: PlainObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}
