import { badRequest, DpsError, ErrorCodes, preconditionFailed } from "../errors";
import { header, type ParsedRequest, type Reply } from "../http/request";
import { etagMatches } from "../model/values";
import type { Pageable } from "../state/store";

/** Page size when the client sends no x-ms-max-item-count (DPS's own default is not published). */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export type QueryItemType = "Enrollment" | "EnrollmentGroup" | "DeviceRegistration";

/**
 * One page of a query. The continuation header is omitted on the last page: the Node SDK treats
 * any x-ms-continuation header, even an empty one, as "more results".
 */
export function queryPage<T>(
  req: ParsedRequest,
  items: Pageable<T>,
  itemType: QueryItemType,
  view: (t: T) => unknown,
): Reply {
  const sizeHeader = header(req, "x-ms-max-item-count");
  let pageSize = DEFAULT_PAGE_SIZE;
  if (sizeHeader !== undefined && sizeHeader !== "") {
    const n = Number(sizeHeader);
    if (!Number.isInteger(n) || n < 1) {
      throw badRequest(
        `x-ms-max-item-count is ${JSON.stringify(sizeHeader)}; allowed: a positive integer`,
        ErrorCodes.invalidQuery,
      );
    }
    pageSize = Math.min(n, MAX_PAGE_SIZE);
  }
  const offset = decodeContinuation(header(req, "x-ms-continuation"));
  const page = items.page(offset, pageSize);
  const headers: Record<string, string> = {
    "x-ms-item-type": itemType,
    "x-ms-max-item-count": String(pageSize),
  };
  if (offset + pageSize < items.size) headers["x-ms-continuation"] = encodeContinuation(offset + pageSize);
  return { status: 200, body: page.map(view), headers };
}

function encodeContinuation(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), "utf8").toString("base64");
}

function decodeContinuation(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { offset?: unknown };
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw badRequest("x-ms-continuation is not a token this service issued", ErrorCodes.invalidQuery);
}

const SELECT_ALL = /^\s*(\*|select\s+\*\s+from\s+(enrollments|enrollmentgroups|registrations))\s*$/i;

/** Query specs: "*" and "SELECT * FROM <collection>" (what Microsoft's SDKs send) select everything. */
export function checkQuerySpecification(body: unknown): void {
  if (body === undefined) return;
  const query = (body as { query?: unknown })?.query;
  if (typeof query !== "string")
    throw badRequest('The query body must be { "query": "*" }', ErrorCodes.invalidQuery);
  if (!SELECT_ALL.test(query)) {
    throw badRequest(
      `Query ${JSON.stringify(query)} is not supported by the emulator; use "*" or "SELECT * FROM enrollments"`,
      ErrorCodes.invalidQuery,
    );
  }
}

/** If-Match check (412 on mismatch; '*' matches any existing resource). */
export function requireEtag(req: ParsedRequest, current: string | undefined, what: string): void {
  const ifMatch = header(req, "if-match");
  if (ifMatch === undefined || ifMatch === "") return;
  if (current === undefined) {
    throw new DpsError(
      412,
      ErrorCodes.preconditionFailed,
      `${what} does not exist, so If-Match ${ifMatch} cannot match`,
    );
  }
  if (!etagMatches(ifMatch, current)) {
    throw preconditionFailed(
      `The ETag in If-Match (${ifMatch}) does not match the current ETag of ${what} (${current})`,
    );
  }
}

export const json = (body: unknown, status = 200, headers?: Record<string, string>): Reply => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});
export const noContent = (): Reply => ({ status: 204 });
