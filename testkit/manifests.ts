// Enrollment manifests that end-to-end tests write into a LocalProgram's manifests folder.

/**
 * One symmetric-key individual enrollment per id, on hub `weu` (static), with a desired
 * `interval` in its initial twin: changing `interval` is an update of every enrollment.
 */
export function symmetricKeyDevicesManifest(ids: readonly string[], interval: number): string {
  return (
    "individualEnrollments:\n" +
    ids
      .map(
        (id) =>
          `  - registrationId: ${id}\n    attestation: { type: symmetricKey }\n    iotHubs: [weu]\n    allocationPolicy: static\n    initialTwin: { properties: { desired: { interval: ${interval} } } }\n`,
      )
      .join("")
  );
}
