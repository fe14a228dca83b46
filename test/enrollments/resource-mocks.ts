/**
 * Run under plain node (ts-node): constructs both resources under Pulumi mocks, which serialises
 * the real provider into `__provider` as a deployment does, and prints what the engine would get.
 */
import * as pulumi from "@pulumi/pulumi";

interface Seen {
  type: string;
  name: string;
  inputKeys: string[];
  hasProvider: boolean;
}

async function main(): Promise<void> {
  const seen: Seen[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        seen.push({
          type: args.type,
          name: args.name,
          inputKeys: Object.keys(args.inputs).sort(),
          hasProvider: typeof args.inputs.__provider === "string",
        });
        return {
          id: `${args.name}-id`,
          state: {
            ...args.inputs,
            serviceEndpoint: "localhost:1",
            etag: "e",
            adopted: false,
            primaryKey: "k1",
          },
        };
      },
      call: (args) => args.inputs,
    },
    "project",
    "stack",
    false,
  );
  const { EnrollmentGroup, IndividualEnrollment } = await import("../../components/enrollments");
  const dps = {
    serviceEndpoint: "localhost:1",
    connectionString: "HostName=localhost:1;SharedAccessKeyName=p;SharedAccessKey=a2V5",
  };
  const device = new IndividualEnrollment("dev-1", {
    registrationId: "dev-1",
    attestation: { type: "symmetricKey" },
    dps,
  });
  const groupCount = Number(process.argv[2] ?? "1");
  const groups = Array.from(
    { length: groupCount },
    (_, i) =>
      new EnrollmentGroup(`g-${i}`, {
        enrollmentGroupId: `g-${i}`,
        attestation: { type: "symmetricKey" },
        dps,
      }),
  );
  const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
  const isSecret = (o: pulumi.Output<unknown>) => pulumi.isSecret(o);
  await value(device.etag);
  await Promise.all(groups.map((g) => value(g.etag)));
  const result = {
    seen: seen.slice(0, 2),
    resources: seen.length,
    dpsIsSecret: await isSecret(
      (device as unknown as { dps: pulumi.Output<unknown> }).dps ?? pulumi.output(undefined),
    ),
    serviceEndpoint: await value(device.serviceEndpoint),
    groupCount: groups.length,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

process.on("unhandledRejection", (error) => {
  process.stdout.write(JSON.stringify({ unhandled: String((error as Error)?.message ?? error) }) + "\n");
  process.exit(1);
});
main().catch((error) => {
  process.stdout.write(JSON.stringify({ error: String(error?.stack ?? error) }) + "\n");
  process.exit(1);
});
