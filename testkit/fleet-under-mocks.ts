// The fleet (components/fleet: declareFleet) declared under Pulumi's mocks, on a platform of a
// fixed DPS and the hubs a test names: what each resource registered with, and what the test waits
// for from the fleet. One home for the set-up the fleet's unit tests share.
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { SECRET_SIGNATURE_KEY } from "@dps-as-code/contract";
import type { EnrollmentSetsConfig } from "../components/config";
import type { Fleet } from "../components/fleet";
import type { LoadedManifests } from "../components/manifests";

/** The DPS every fleet under mocks writes to (a made-up endpoint and key). */
export const MOCK_DPS_CONNECTION = {
  serviceEndpoint: "dps.example.net",
  connectionString: "HostName=dps.example.net;SharedAccessKeyName=w;SharedAccessKey=a2V5",
} as const;

/** A resource registration the mocks saw, inputs as the Node SDK hands them (secrets wrapped). */
export interface FleetRegistration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

export interface FleetUnderMocksOptions<T> {
  /** The mocked stack's name. */
  readonly stackName: string;
  readonly manifests: LoadedManifests;
  /** The platform's hubs: key -> host name. */
  readonly hubHostNames: Record<string, string>;
  /** The stack's secret by name. @default the name itself, as a secret */
  readonly secret?: (name: string) => pulumi.Output<string>;
  readonly enrollmentSets?: EnrollmentSetsConfig;
  /** A resource's outputs. @default its inputs */
  readonly state?: (inputs: Record<string, unknown>) => Record<string, unknown>;
  /** What to wait for before the mocks stop (every registration has happened by then). */
  readonly settle: (fleet: Fleet) => pulumi.Output<T>;
}

/** Declares the fleet under mocks; returns the registrations, the settled value and the fleet. */
export async function declareFleetUnderMocks<T>(
  options: FleetUnderMocksOptions<T>,
): Promise<{ registered: FleetRegistration[]; settled: T; fleet: Fleet }> {
  // The fleet's modules read the runtime's settings when loaded: a fresh copy per mocked run.
  vi.resetModules();
  const registered: FleetRegistration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const inputs = args.inputs as Record<string, unknown>;
        registered.push({ type: args.type, name: args.name, inputs });
        return { id: `${args.name}-id`, state: options.state ? options.state(inputs) : inputs };
      },
      call: () => ({}),
    },
    "dps-as-code",
    options.stackName,
    false,
  );
  const { declareFleet } = await import("../components/fleet");
  const fleet = declareFleet({
    manifests: options.manifests,
    platform: {
      dpsConnection: {
        serviceEndpoint: MOCK_DPS_CONNECTION.serviceEndpoint,
        connectionString: pulumi.secret(MOCK_DPS_CONNECTION.connectionString),
      },
      hubHostNames: pulumi.output(options.hubHostNames),
    },
    secret: options.secret ?? ((name) => pulumi.secret(name)),
    ...(options.enrollmentSets ? { enrollmentSets: options.enrollmentSets } : {}),
  });
  const settled = await new Promise<T>((resolve) => options.settle(fleet).apply(resolve));
  await pulumi.runtime.disconnect();
  return { registered, settled, fleet };
}

/** A mock input with every secret wrapper taken off, at any depth. */
export function unwrapped(value: unknown): unknown {
  if (typeof value === "object" && value !== null && SECRET_SIGNATURE_KEY in value)
    return unwrapped((value as unknown as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(unwrapped);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapped(v)]));
  return value;
}

/** Whether a mock input arrived as a secret. */
export const isSecret = (value: unknown): boolean =>
  typeof value === "object" && value !== null && SECRET_SIGNATURE_KEY in value;
