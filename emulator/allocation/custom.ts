import { ErrorCodes } from "../errors";
import { redactUrl, type Logger } from "../logger";
import type { CustomAllocationDefinition, InitialTwin } from "../state/types";

export interface CustomAllocationRequest {
  individualEnrollment?: unknown;
  enrollmentGroup?: unknown;
  deviceRuntimeContext: {
    registrationId: string;
    currentIotHubHostName?: string;
    currentDeviceId?: string;
    symmetricKey?: Record<string, never>;
    x509?: unknown;
    payload?: unknown;
  };
  linkedHubs: string[];
}

export type CustomAllocationOutcome =
  | { ok: true; hub: string; initialTwin?: InitialTwin; payload?: unknown }
  | { ok: false; errorCode: number; message: string };

export interface WebhookSettings {
  timeoutMs: number;
  retryCount: number;
  retryIntervalMs: number;
  retryIncrementMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls the enrollment's webhook with DPS's AllocationRequest and maps the answer with DPS's
 * documented failure table: 401 → 400209, >= 429 → retried (10 times, 1 s then +9 s by default),
 * anything else non-2xx → 400207, an empty hub → 400208. The URL is never logged whole.
 */
export async function callCustomAllocation(
  definition: CustomAllocationDefinition,
  request: CustomAllocationRequest,
  settings: WebhookSettings,
  logger: Logger,
): Promise<CustomAllocationOutcome> {
  const target = redactUrl(definition.webhookUrl);
  let delay = settings.retryIntervalMs;
  for (let attempt = 0; ; attempt++) {
    let status: number;
    let text: string;
    try {
      const response = await fetch(definition.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", accept: "application/json" },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (e) {
      logger.warn(
        `custom allocation webhook ${target} for ${request.deviceRuntimeContext.registrationId} failed: ${(e as Error).name}`,
      );
      return {
        ok: false,
        errorCode: ErrorCodes.customAllocationFailed,
        message: `Custom allocation failed: the webhook could not be reached (${(e as Error).name})`,
      };
    }
    if (status >= 429 && attempt < settings.retryCount) {
      logger.info(
        `custom allocation webhook ${target} answered ${status}; retry ${attempt + 1} of ${settings.retryCount} in ${delay} ms`,
      );
      await sleep(delay);
      delay += settings.retryIncrementMs;
      continue;
    }
    if (status === 401) {
      return {
        ok: false,
        errorCode: ErrorCodes.customAllocationUnauthorizedAccess,
        message: "Custom allocation failed: the webhook answered 401 Unauthorized",
      };
    }
    if (status < 200 || status >= 300) {
      return {
        ok: false,
        errorCode: ErrorCodes.customAllocationFailed,
        message: `Custom allocation failed: the webhook answered HTTP ${status}`,
      };
    }
    return interpretAnswer(text, request.linkedHubs);
  }
}

function interpretAnswer(text: string, linkedHubs: string[]): CustomAllocationOutcome {
  let answer: { iotHubHostName?: unknown; initialTwin?: unknown; payload?: unknown };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    return {
      ok: false,
      errorCode: ErrorCodes.customAllocationFailed,
      message: "Custom allocation failed: the webhook's answer is not JSON",
    };
  }
  const hubName = answer?.iotHubHostName;
  if (hubName === undefined || hubName === null || hubName === "") {
    return {
      ok: false,
      errorCode: ErrorCodes.customAllocationIotHubNotSpecified,
      message: "Custom allocation failed: the webhook's answer has no iotHubHostName",
    };
  }
  const hub = linkedHubs.find(
    (h) => typeof hubName === "string" && h.toLowerCase() === hubName.toLowerCase(),
  );
  if (!hub) {
    return {
      ok: false,
      errorCode: ErrorCodes.customAllocationFailed,
      message: `Custom allocation failed: the webhook chose ${JSON.stringify(hubName)}, which is not one of the offered linked hubs (${linkedHubs.join(", ")})`,
    };
  }
  const outcome: CustomAllocationOutcome = { ok: true, hub };
  if (answer.initialTwin && typeof answer.initialTwin === "object")
    outcome.initialTwin = answer.initialTwin as InitialTwin;
  if (answer.payload !== undefined) outcome.payload = answer.payload;
  return outcome;
}
