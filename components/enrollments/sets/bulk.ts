/**
 * Writing many individual enrollments through DPS's bulk operation: chunks of at most
 * MAX_BULK_ENROLLMENTS (the spec's limit), paced to the quota (pacing.ts), run a few at a time, and
 * retried per item: DPS answers 200 with the items that failed listed in `errors` (and applies the
 * others), so only those go again, in later chunks, when their failure is transient.
 */
import { MAX_BULK_ENROLLMENTS } from "@dps-as-code/contract";
import { type BulkMode, type DpsClient, type DpsEnrollmentRecord, isDpsCallError } from "../../dps-client";
import type { Pacer } from "./pacing";

/** A failed item: DPS's code and message, or the whole call's error. */
export interface ItemFailure {
  /** HTTP status the code stands for (DPS codes are status * 1000 + detail), when known. */
  status: number | undefined;
  errorCode: number | string | undefined;
  message: string;
}

export interface BulkOutcome {
  succeeded: string[];
  failed: Map<string, ItemFailure>;
}

/** Rounds per item for transient per-item failures (408, 429, 5xx) before giving up on it. */
export const ITEM_ATTEMPTS = 5;

export function chunk<T>(items: readonly T[], size = MAX_BULK_ENROLLMENTS): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export function statusOfCode(errorCode: number | string | undefined): number | undefined {
  const code = Number(errorCode);
  return Number.isFinite(code) && code >= 100_000
    ? Math.floor(code / 1000)
    : Number.isFinite(code) && code >= 100 && code < 600
      ? code
      : undefined;
}

function transient(status: number | undefined): boolean {
  return status === 408 || status === 429 || (status !== undefined && status >= 500);
}

/**
 * Runs `mode` over `records` (keyed by registrationId). Whole-call failures that dps-client's own
 * retries could not cure fail every item of that chunk; nothing here throws for DPS errors.
 */
export async function runBulkItems(
  client: DpsClient,
  pacer: Pacer,
  mode: BulkMode,
  records: readonly DpsEnrollmentRecord[],
  sleep: (ms: number) => Promise<void>,
): Promise<BulkOutcome> {
  const succeeded: string[] = [];
  const failed = new Map<string, ItemFailure>();
  let pending = [...records];
  for (let round = 1; pending.length > 0; round++) {
    const retry: DpsEnrollmentRecord[] = [];
    await Promise.all(
      chunk(pending).map((items) =>
        pacer.run(items.length, async () => {
          try {
            const result = await client.runBulk(mode, items);
            const errors = new Map(result.errors.map((e) => [e.registrationId.toLowerCase(), e]));
            for (const item of items) {
              const id = item.registrationId as string;
              const error = errors.get(id.toLowerCase());
              if (!error) {
                succeeded.push(id);
                failed.delete(id);
                continue;
              }
              const status = statusOfCode(error.errorCode);
              failed.set(id, { status, errorCode: error.errorCode, message: error.errorStatus });
              if (transient(status) && round < ITEM_ATTEMPTS) retry.push(item);
            }
          } catch (error) {
            const failure: ItemFailure = isDpsCallError(error)
              ? { status: error.failure.status, errorCode: error.failure.errorCode, message: error.message }
              : { status: undefined, errorCode: undefined, message: (error as Error).message };
            for (const item of items) failed.set(item.registrationId as string, failure);
          }
        }),
      ),
    );
    pending = retry;
    if (pending.length > 0) await sleep(Math.min(500 * 2 ** (round - 1), 8_000));
  }
  return { succeeded, failed };
}
