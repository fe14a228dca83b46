/**
 * Every older form of the DpsCaCertificate's stored state that this version still reads (one place
 * per resource, as components/platform/local/stored-forms.ts is for the local DPS). None yet: the
 * resource is new, and stacks that carried azure-native's DpsCertificate hand over as README
 * ("CA certificates") says.
 */
import type { StoredForm } from "@dps-as-code/contract";

export const DPS_CA_CERTIFICATE_STORED_FORMS: readonly StoredForm[] = [];
