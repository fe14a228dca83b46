/**
 * Every older form of the LocalProvisioningService's stored state that this version still reads,
 * with the versions that wrote it (one place, as components/enrollments/stored-forms.ts is for the
 * enrollment resources). test/stored-forms.test.ts reads each.
 */
import type { StoredForm } from "@dps-as-code/contract";

/**
 * A stand-in for the serialised closure `pulumi.dynamic.Resource` stored. Its diff never compared
 * `__provider` (provider.ts), so upgrading is a no-op: the host runs that stored code for read and
 * delete, self-contained, until the resource's next update stores the provider's name.
 */
export const LOCAL_DPS_STORED_FORMS: readonly StoredForm[] = [
  {
    field: "__provider",
    form: "the provider's code, serialised by pulumi.dynamic.Resource",
    writtenBy: "f8fa094..fba4631",
    readBy:
      "the host runs the code itself for read and delete; diff: no change (the name is stored with the next update)",
    example: "exports.handler = __f0;\nfunction __f0() { /* the provider, serialised */ }",
  },
];
