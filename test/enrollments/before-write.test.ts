/**
 * What a set reads before a bulk create or delete (components/enrollments/sets/before-write.ts),
 * against a DPS whose listing misses a record, as a position-based continuation token would while
 * deletes run: an id a listing lacks is read again before a delete always, and before a create
 * when the listing ran beside this process's deletes; otherwise the listing is taken as is.
 */
import { describe, expect, it } from "vitest";
import type { DpsClient, DpsEnrollmentRecord } from "../../components/dps-client/client";
import { deleteItemFrom, heldOnDps } from "../../components/enrollments/sets/before-write";
import { createPacer } from "../../components/enrollments/sets/pacing";
import { whileDeleting } from "../../components/enrollments/sets/snapshot";

let endpoints = 0;
/** A DPS holding `held`, whose listing leaves out `skipped`; counts GETs. */
function fakeDps(held: string[], skipped: string[]) {
  const gets: string[] = [];
  const record = (id: string): DpsEnrollmentRecord => ({
    registrationId: id,
    attestation: { type: "symmetricKey" },
    etag: `"${id}-etag"`,
  });
  const client = {
    serviceEndpoint: `dps-${++endpoints}.example.net`,
    async *queryEnrollments() {
      yield held.filter((id) => !skipped.includes(id)).map(record);
    },
    async get(_kind: string, id: string) {
      gets.push(id);
      return held.includes(id) ? record(id) : undefined;
    },
  } as unknown as DpsClient;
  return { client, gets };
}
const pacer = createPacer(1000);
const ids = ["a-1", "a-2", "a-3"];

describe("reading DPS before a bulk write", () => {
  it("before a delete, reads again an id the listing lacks: it may still exist", async () => {
    const { client, gets } = fakeDps(["a-1", "a-2"], ["a-2"]);
    const held = await heldOnDps(client, pacer, ids, 0, "delete");
    expect(held.get("a-2")?.etag).toBe('"a-2-etag"');
    expect(held.get("a-3")).toBeUndefined();
    expect(gets.sort()).toEqual(["a-2", "a-3"]);
  });

  it("before a create, takes a listing that ran beside no delete as it is", async () => {
    const { client, gets } = fakeDps(["a-1"], []);
    const held = await heldOnDps(client, pacer, ids, 0, "create");
    expect([...held.entries()].filter(([, r]) => r).map(([id]) => id)).toEqual(["a-1"]);
    expect(gets).toEqual([]);
  });

  it("before a create, reads again the ids a listing lacks when it ran beside a delete of this process", async () => {
    const { client, gets } = fakeDps(["a-1", "a-2"], ["a-2"]);
    const held = await whileDeleting(client.serviceEndpoint, () =>
      heldOnDps(client, pacer, ids, 0, "create"),
    );
    expect(held.get("a-2")?.registrationId).toBe("a-2");
    expect(gets.sort()).toEqual(["a-2", "a-3"]);
  });

  it("sends a record back for a delete without any key", () => {
    const item = deleteItemFrom({
      registrationId: "k-1",
      attestation: {
        type: "symmetricKey",
        symmetricKey: { primaryKey: "cHJpbWFyeQ==", secondaryKey: "c2Vjb25k" },
      },
      etag: '"e"',
    } as DpsEnrollmentRecord);
    expect(item).toEqual({ registrationId: "k-1", attestation: { type: "symmetricKey" }, etag: '"e"' });
  });
});
