/**
 * Asks DPS, through the providers' own client, whether the ids of pending creates exist and whose
 * owner marker they carry. The connection is the resource's own `dps` input (from `pulumi stack
 * export --show-secrets`, held in memory only), so this reaches the DPS the create was sent to,
 * with the credentials the provider used (Entra ID through the same environment in the pipeline).
 */
import { createDpsClient, type DpsClient } from "../../components/dps-client/client";
import { ownerOf } from "../../components/enrollments/ownership";
import type { DpsConnection, EnrollmentKind } from "@dps-as-code/contract";
import type { CreateSubject, DpsOwnership } from "./pending-plan";

/** Answers for every id a subject names; one GET per enrollment, one listing per DPS for sets. */
export async function ownershipFor(
  subject: CreateSubject,
  connection: DpsConnection,
  clients: Map<string, DpsClient> = new Map(),
): Promise<(id: string) => DpsOwnership> {
  const key = connection.serviceEndpoint.toLowerCase();
  let client = clients.get(key);
  if (!client) {
    client = createDpsClient(connection);
    clients.set(key, client);
  }
  const answers = new Map<string, DpsOwnership>();
  if (subject.what === "enrollment") {
    const record = await client.get(subject.kind, subject.id);
    answers.set(
      subject.id.toLowerCase(),
      record ? { present: true, owner: ownerOf(record) } : { present: false },
    );
  } else if (subject.what === "set") {
    // A set holds hundreds of ids: a paged listing (100 a call) costs fewer of DPS's operations than a GET each.
    const wanted = new Set(subject.ids.map((id) => id.toLowerCase()));
    const kind: EnrollmentKind = "individual";
    for await (const page of client.queryEnrollments(kind))
      for (const record of page) {
        const id = (record.registrationId ?? "").toLowerCase();
        if (wanted.has(id)) answers.set(id, { present: true, owner: ownerOf(record) });
      }
  }
  return (id) => answers.get(id.toLowerCase()) ?? { present: false };
}
