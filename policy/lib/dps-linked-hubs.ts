import { connectionStringIdentity, isAzureDps, isLocalDps } from "@dps-as-code/contract";
import { isRecord, isUnknown, knownElements, knownPath, knownProperty, type Unknown } from "./known";

// The DPS rules apply to the ARM resource (`properties.iotHubs[]`, hubs named by their
// connection string) and to the local platform's stand-in (`linkedHubs[]`, hubs named by
// `hostName`). Both are read into one shape here.

export interface LinkedHub {
  /** Host name when known (messages name hubs by it), else "hub #<n>". */
  readonly name: string;
  readonly location: unknown;
  readonly allocationWeight: unknown;
}

export interface DpsLinkedHubs {
  /** "DPS" or "local DPS": how messages name the service. */
  readonly what: string;
  /** Undefined when the resource declares no hubs at all. */
  readonly hubs: LinkedHub[] | undefined;
}

/** The service's linked hubs; undefined if the resource is no DPS, UNKNOWN if the list is. */
export function dpsLinkedHubs(
  type: string,
  props: Record<string, unknown>,
): DpsLinkedHubs | Unknown | undefined {
  const local = isLocalDps(type);
  if (!local && !isAzureDps(type)) {
    return undefined;
  }
  const elements = knownElements(knownPath(props, local ? ["linkedHubs"] : ["properties", "iotHubs"]));
  if (isUnknown(elements)) {
    return elements;
  }
  const what = local ? "local DPS" : "DPS";
  if (elements === undefined) {
    return { what, hubs: undefined };
  }
  const hubs = elements.map((hub, index): LinkedHub => {
    const hostName = local ? knownProperty(hub, "hostName") : hostNameFromConnectionString(hub);
    return {
      name: typeof hostName === "string" ? hostName : `hub #${index + 1}`,
      location: isRecord(hub) ? knownProperty(hub, "location") : undefined,
      allocationWeight: isRecord(hub) ? knownProperty(hub, "allocationWeight") : undefined,
    };
  });
  return { what, hubs };
}

function hostNameFromConnectionString(hub: unknown): string | undefined {
  const connectionString = knownProperty(hub, "connectionString");
  return typeof connectionString === "string"
    ? connectionStringIdentity(connectionString).hostName
    : undefined;
}
