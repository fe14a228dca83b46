// The stack outputs that hand keys over (to a factory, to derive-device-key): one secret map
// per kind, enrollment id -> { primaryKey, secondaryKey }.
import * as pulumi from "@pulumi/pulumi";

interface HasKeys {
  readonly primaryKey: pulumi.Output<string | undefined>;
  readonly secondaryKey: pulumi.Output<string | undefined>;
}

export interface EnrollmentKeys {
  readonly primaryKey: string | undefined;
  readonly secondaryKey: string | undefined;
}

/** Id -> keys of each enrollment, as one secret output. */
export function keysOutput(
  enrollments: Readonly<Record<string, HasKeys>>,
): pulumi.Output<Record<string, EnrollmentKeys>> {
  const entries = Object.entries(enrollments).map(([id, e]) =>
    pulumi
      .all([e.primaryKey, e.secondaryKey])
      .apply(([primaryKey, secondaryKey]): [string, EnrollmentKeys] => [id, { primaryKey, secondaryKey }]),
  );
  return pulumi.secret(pulumi.all(entries).apply((list) => Object.fromEntries(list)));
}
