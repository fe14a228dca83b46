import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknown, knownPath } from "../lib/known";
import { isIotHub } from "@dps-as-code/contract";

// IoT Hub accepts TLS 1.0 and 1.1 unless `minTlsVersion` is "1.2"; the setting can only be
// chosen when the hub is created, so a wrong value means recreating the hub later.
const REQUIRED = "1.2";

export const iotHubMinTlsVersionPolicy: ResourceValidationPolicy = {
  name: "iothub-hub-min-tls-version",
  description: 'IoT hubs reject clients below TLS 1.2 (properties.minTlsVersion = "1.2").',
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (!isIotHub(args.type)) {
      return;
    }
    const version = knownPath(args.props, ["properties", "minTlsVersion"]);
    if (isUnknown(version)) {
      return args.notApplicable("properties.minTlsVersion is unknown during preview; checked on update");
    }
    if (version === undefined || version === null) {
      reportViolation(
        `IoT hub properties.minTlsVersion is not set, so the hub also accepts TLS 1.0 and 1.1; set properties.minTlsVersion to "${REQUIRED}" (only possible when the hub is created).`,
      );
      return;
    }
    if (String(version) !== REQUIRED) {
      reportViolation(
        `IoT hub properties.minTlsVersion is "${String(version)}"; set it to "${REQUIRED}" (only possible when the hub is created).`,
      );
    }
  },
};
