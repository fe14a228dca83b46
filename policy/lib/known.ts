import { UnknownValueError } from "@pulumi/policy";

// During preview the analyzer wraps resource inputs in `unknownCheckingProxy`: reading a value
// that is not known yet (a hub host name, a connection string from another resource) throws
// `UnknownValueError`. Left alone, the SDK turns that into one advisory "can't run policy during
// preview" line for the whole policy. Policies read through `whenKnown` instead, so they can check
// every value that *is* known and decide explicitly what an unknown one means.

export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/** Runs `read`; returns UNKNOWN when it touches a value that is unknown during preview. */
export function whenKnown<T>(read: () => T): T | Unknown {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) {
      return UNKNOWN;
    }
    throw error;
  }
}

export const isUnknown = (value: unknown): value is Unknown => value === UNKNOWN;

/** Reads one property of an object; UNKNOWN if the object or the property is unknown. */
export function knownProperty(object: unknown, key: string): unknown {
  if (isUnknown(object)) {
    return UNKNOWN;
  }
  return whenKnown(() => (isRecord(object) ? object[key] : undefined));
}

/** Reads every element of an array on its own, so one unknown element does not hide the others. */
export function knownElements(array: unknown): unknown[] | Unknown | undefined {
  if (isUnknown(array)) {
    return UNKNOWN;
  }
  return whenKnown(() => {
    if (!Array.isArray(array)) {
      return undefined;
    }
    const elements: unknown[] = [];
    for (let index = 0; index < array.length; index++) {
      elements.push(whenKnown(() => array[index] as unknown));
    }
    return elements;
  });
}

/** Reads a nested path (`["properties", "minTlsVersion"]`); UNKNOWN as soon as a step is unknown. */
export function knownPath(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const key of path) {
    current = knownProperty(current, key);
    if (isUnknown(current) || current === undefined || current === null) {
      return current;
    }
  }
  return current;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
