// Runs policies in process, the way @pulumi/policy's analyzer server does (server.js in 1.21):
// props wrapped in `unknownCheckingProxy`, `notApplicable` throwing, an UnknownValueError that
// escapes a policy turned into a "can't run during preview" outcome. No engine, no gRPC server.
import {
  unknownCheckingProxy,
  UnknownValueError,
  type PolicyResource,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";

export interface PolicyOutcome {
  readonly violations: string[];
  /** Set when the policy declared itself not applicable. */
  readonly notApplicable?: string;
  /** Set when an unknown value escaped the policy (the SDK would report "can't run during preview"). */
  readonly escapedUnknown?: string;
}

class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface ResourceUnderTest {
  readonly type: string;
  readonly props: Record<string, unknown>;
  readonly name?: string;
}

const urnOf = (type: string, name: string) => `urn:pulumi:test::dps-as-code::${type}::${name}`;

/** What a resource and a stack policy both see of a resource: props that throw on unknowns, default options. */
function asSeenByPolicies(resource: ResourceUnderTest, name: string) {
  return {
    type: resource.type,
    props: unknownCheckingProxy(structuredClone(resource.props)),
    urn: urnOf(resource.type, name),
    name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    isType: () => false,
    asType: () => undefined,
  };
}

export async function runResourcePolicy(
  policy: ResourceValidationPolicy,
  resource: ResourceUnderTest,
  config: Record<string, unknown> = {},
): Promise<PolicyOutcome> {
  const violations: string[] = [];
  const validations = [policy.validateResource ?? []].flat();
  const name = resource.name ?? "test-resource";
  for (const validate of validations) {
    const args: ResourceValidationArgs = {
      ...asSeenByPolicies(resource, name),
      stackTags: new Map(),
      getConfig: <T extends object>() => structuredClone(config) as T,
      notApplicable: (reason?: string): never => {
        throw new NotApplicable(reason ?? "");
      },
    };
    try {
      await validate(args, (message) => violations.push(message));
    } catch (error) {
      if (error instanceof NotApplicable) {
        return { violations, notApplicable: error.reason };
      }
      if (error instanceof UnknownValueError) {
        return { violations, escapedUnknown: (error as Error).message };
      }
      throw error;
    }
  }
  return { violations };
}

export interface StackViolation {
  readonly message: string;
  readonly urn?: string;
}

export async function runStackPolicy(
  policy: StackValidationPolicy,
  resources: ResourceUnderTest[],
  config: Record<string, unknown> = {},
): Promise<StackViolation[]> {
  const violations: StackViolation[] = [];
  const policyResources = resources.map((resource, index): PolicyResource => {
    const name = resource.name ?? `resource-${index}`;
    return { ...asSeenByPolicies(resource, name), dependencies: [], propertyDependencies: {} };
  });
  await policy.validateStack(
    {
      resources: policyResources,
      stackTags: new Map(),
      getConfig: <T extends object>() => structuredClone(config) as T,
      notApplicable: (reason?: string): never => {
        throw new NotApplicable(reason ?? "");
      },
    },
    (message, urn) => violations.push(urn === undefined ? { message } : { message, urn }),
  );
  return violations;
}

/** A deep copy of `base` with the value at `path` replaced (or removed when `value` is undefined). */
export function mutate<T extends Record<string, unknown>>(base: T, path: string, value: unknown): T {
  const copy = structuredClone(base);
  const keys = path.split(".");
  let target: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== "object" || next === null) {
      target[key] = {};
    }
    target = target[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (value === undefined) {
    delete target[last];
  } else {
    target[last] = value;
  }
  return copy;
}
