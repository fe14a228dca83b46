// The engine floor: the same program with the same inputs, except that each enrollment goes
// through a do-nothing dynamic provider (create echoes the inputs, nothing else is implemented,
// so the engine diffs inputs itself and never calls DPS for an enrollment). What remains is the
// cost of the engine, the backend and the program: the baseline every enrollment figure is
// compared with (benchmarks/README.md).
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Replaces components/enrollments/enrollment-resource.ts in a copy of the program. Same type
 * tokens, same props (`enrollmentProps`: secrets wrapped the same way, the same output
 * placeholders), same resource options; only the provider differs.
 */
const FLOOR_ENROLLMENT_RESOURCE = `import * as pulumi from "@pulumi/pulumi";
import type { EnrollmentCommonArgs } from "./resource-args";
import { enrollmentProps } from "./resource-props";
import { ENROLLMENT_SECRET_OUTPUTS, type EnrollmentKind, kindInfo } from "@dps-as-code/contract";

const doNothing: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Record<string, unknown>) {
    return { id: String(inputs.registrationId ?? inputs.enrollmentGroupId), outs: inputs };
  },
};

export abstract class EnrollmentResource extends pulumi.dynamic.Resource {
  protected constructor(kind: EnrollmentKind, name: string, args: EnrollmentCommonArgs, opts?: pulumi.CustomResourceOptions) {
    super(doNothing, name, enrollmentProps(kind, name, args), pulumi.mergeOptions(opts, { additionalSecretOutputs: [...ENROLLMENT_SECRET_OUTPUTS] }), "dps", kindInfo(kind).typeName);
  }
}
`;

/** Turns a copy of the program (testkit/local-program.ts) into the engine floor. */
export function installEngineFloor(programDir: string): void {
  fs.writeFileSync(
    path.join(programDir, "components", "enrollments", "enrollment-resource.ts"),
    FLOOR_ENROLLMENT_RESOURCE,
  );
}

export interface StateBytes {
  /** Resources of the type, and their mean size in the exported deployment (JSON bytes). */
  count: number;
  bytesPerResource: number;
  /** The whole exported deployment. */
  totalBytes: number;
}

/** Size of the resources of one type in a `pulumi stack export` (secrets stay encrypted, as stored). */
export function stateBytes(
  deployment: { deployment?: { resources?: { type?: string }[] } },
  type: string,
): StateBytes {
  const resources = (deployment.deployment?.resources ?? []).filter((r) => r.type === type);
  const bytes = resources.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)), 0);
  return {
    count: resources.length,
    bytesPerResource: resources.length ? Math.round(bytes / resources.length) : 0,
    totalBytes: Buffer.byteLength(JSON.stringify(deployment)),
  };
}
