import { randomBytes, randomUUID } from "node:crypto";
import type { RegistrationRecord } from "../state/types";
import type { DevicePrincipal } from "../provisioning";

interface Operation {
  registrationId: string;
  principal: DevicePrincipal;
  result?: RegistrationRecord;
  /** Unexpected failure of the assignment (logged; the poll answers 500). */
  failure?: Error;
  expiresAt: number;
}

/**
 * Registrations in flight. DPS assigns asynchronously: register answers 202 "assigning" with an
 * operation id, and the device polls it. Operations are kept in memory only (an operation id
 * does not outlive a restart on the emulator).
 */
export class DeviceOperations {
  private readonly operations = new Map<string, Operation>();
  constructor(private readonly ttlMs: number) {}

  start(principal: DevicePrincipal, work: Promise<RegistrationRecord>, onError: (e: Error) => void): string {
    this.sweep();
    // Real ids look like "5.316aac5bdc130deb.b1e02da8-c3a0-4ff2-a121-7ea7a6b7f550".
    const id = `5.${randomBytes(8).toString("hex")}.${randomUUID()}`;
    const op: Operation = {
      registrationId: principal.registrationId,
      principal,
      expiresAt: Date.now() + this.ttlMs,
    };
    this.operations.set(id, op);
    work.then(
      (result) => {
        op.result = result;
      },
      (e: Error) => {
        op.failure = e;
        onError(e);
      },
    );
    return id;
  }

  get(id: string): Operation | undefined {
    const op = this.operations.get(id);
    if (op && op.expiresAt < Date.now()) {
      this.operations.delete(id);
      return undefined;
    }
    return op;
  }

  /** Waits for every assignment in flight (used by stop()). */
  get size(): number {
    return this.operations.size;
  }

  private sweep(): void {
    if (this.operations.size < 10_000) return;
    const now = Date.now();
    for (const [id, op] of this.operations) if (op.expiresAt < now) this.operations.delete(id);
  }
}
