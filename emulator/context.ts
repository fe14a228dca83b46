import type { Authenticator } from "./auth/authenticators";
import type { FaultInjector } from "./faults";
import type { Logger } from "./logger";
import type { EnrollmentValidationContext } from "./model/enrollments";
import type { IpFilterRule, ResolvedOptions } from "./options";
import type { ProvisioningContext } from "./provisioning";
import type { DeviceOperations } from "./handlers/device-operations";
import type { UndocumentedBehaviour } from "./variants";

/** What every handler can reach: the store, resolved options, the device operation table. */
export interface EmulatorContext extends ProvisioningContext {
  options: ResolvedOptions;
  logger: Logger;
  operations: DeviceOperations;
  authenticators: readonly Authenticator[];
  /** Injected faults, when enabled; replaceable at run time (RunningEmulator.setFaults). */
  faults: FaultInjector | undefined;
  validation(): EnrollmentValidationContext;
  /** How to answer where DPS's behaviour is undocumented (variants.ts), resolved at start. */
  behaviour: UndocumentedBehaviour;
  /** DPS's IP filter (ip-filter.ts), from the config. */
  ipFilterRules: readonly IpFilterRule[];
}
