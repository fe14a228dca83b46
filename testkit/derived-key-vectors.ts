// Microsoft's documented examples of a device key derived from a group key (HMAC-SHA256 of the
// registration id, keyed with the group key): [group key, registration id, device key]. Both
// derivations, the product's and the emulator's, must give these. Sources:
// https://learn.microsoft.com/azure/iot-dps/concepts-symmetric-key-attestation and
// https://learn.microsoft.com/azure/iot-dps/how-to-use-custom-allocation-policies
export const DERIVED_KEY_VECTORS = [
  [
    "8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==",
    "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6",
    "Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=",
  ],
  [
    "oiK77Oy7rBw8YB6IS6ukRChAw+Yq6GC61RMrPLSTiOOtdI+XDu0LmLuNm11p+qv2I+adqGUdZHm46zXAQdZoOA==",
    "breakroom499-contoso-tstrsd-007",
    "JC8F96eayuQwwz+PkE7IzjH2lIAjCUnAa61tDigBnSs=",
  ],
] as const;
