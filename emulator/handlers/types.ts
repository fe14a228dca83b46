import type { Principal } from "../auth/authenticators";
import type { EmulatorContext } from "../context";
import type { ParsedRequest, Reply } from "../http/request";

export interface RoutedRequest extends ParsedRequest {
  params: Record<string, string>;
  principal: Principal;
}

/** One handler per REST operation, keyed by the spec's operationId. */
export type Handler = (ctx: EmulatorContext, req: RoutedRequest) => Reply | Promise<Reply>;
