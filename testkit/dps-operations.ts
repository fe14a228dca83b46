// Counts the service operations an emulator answered, by operationId, from its request log
// (one line per request: "PUT IndividualEnrollment_CreateOrUpdate 200 3.1 ms").
import type { Logger } from "../emulator";

export interface OperationLog {
  /** Pass as the emulator's `logger`, with `logRequests: true`. */
  readonly logger: Logger;
  /** Every operationId answered so far, in order. */
  readonly operations: string[];
  /** operationId -> count, for the operations answered since `from` (an index into `operations`). */
  countsSince(from: number): Record<string, number>;
}

export function operationLog(): OperationLog {
  const operations: string[] = [];
  return {
    logger: {
      info: (line: string) => {
        const match = /^[A-Z]+ (\S+) \d{3} /.exec(line);
        if (match?.[1]) operations.push(match[1]);
      },
      warn: () => {},
      error: () => {},
    },
    operations,
    countsSince(from: number) {
      const counts: Record<string, number> = {};
      for (const operation of operations.slice(from)) counts[operation] = (counts[operation] ?? 0) + 1;
      return counts;
    },
  };
}
