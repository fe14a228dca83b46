// The Pulumi SDK logs every RPC answer in full at debug level: `RegisterResource RPC finished:
// <resource>; err: null, resp: ${innerResponse}` (@pulumi/pulumi 3.x, runtime/resource.js; the
// same for ReadResource, Invoke and Call in runtime/invoke.js). The answer is the resource's
// outputs, secrets in plaintext. Each message is built and sent to the engine whatever the
// verbosity, and google-protobuf encodes strings one character at a time: at 30,000 batched
// enrollments the sets' and the ledger's outputs made about 20 MB of such messages, 4 s of the
// program's 22 s of CPU in a no-op preview (benchmarks/README.md, "The no-op preview's distance
// from its floor"). The program keeps each message up to "resp: " and says how long the answer
// was; every other debug message passes whole up to MAX_DEBUG_MESSAGE characters.
import { createRequire } from "node:module";

/** Longest debug message passed on whole (an RPC answer never is, see above). */
export const MAX_DEBUG_MESSAGE = 4_096;

const ANSWER = ", resp: ";

/** A debug message as the program passes it on: without an RPC answer's payload, and bounded. */
export function boundedDebugMessage(message: string): string {
  const at = message.indexOf(ANSWER);
  if (at >= 0) {
    const answer = message.length - at - ANSWER.length;
    return `${message.slice(0, at + ANSWER.length)}(${answer} characters, not logged by dps-as-code: a resource's outputs, secrets included)`;
  }
  if (message.length <= MAX_DEBUG_MESSAGE) return message;
  return `${message.slice(0, MAX_DEBUG_MESSAGE)}... (${message.length} characters, cut by dps-as-code)`;
}

type Debug = (message: string, ...rest: unknown[]) => Promise<void>;
interface SdkLog {
  debug: Debug & { bounded?: true };
}

/**
 * Makes the SDK's own `log.debug` pass bounded messages. The SDK's modules call it through the
 * module's exports object at each call (`log.debug(...)` after `__importStar(require("../log"))`,
 * which returns that same object), so replacing the export reaches them. Idempotent.
 */
export function boundSdkDebugLog(): void {
  const sdkLog = createRequire(__filename)("@pulumi/pulumi/log") as SdkLog;
  if (sdkLog.debug.bounded) return;
  const debug = sdkLog.debug;
  const bounded: SdkLog["debug"] = (message, ...rest) =>
    debug(typeof message === "string" ? boundedDebugMessage(message) : message, ...rest);
  bounded.bounded = true;
  sdkLog.debug = bounded;
}
