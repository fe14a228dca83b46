// The demo's closing report: where each device landed, its initial twin, and how a group's
// devices spread over the hubs compared with the allocation weights.
import type { RegistrationOutcome } from "./devices";

export interface HubView {
  hostName: string;
  devices: Array<{
    deviceId: string;
    registrationId?: string;
    capabilities?: { iotEdge?: boolean };
    twin?: { tags?: Record<string, unknown>; properties?: { desired?: Record<string, unknown> } };
  }>;
}

interface Settings {
  allocationPolicy: string;
  linkedHubs: Array<{ hostName: string; allocationWeight: number; location: string }>;
}

const short = (hub: string) => hub.replace(/\.azure-devices\.net$/, "");
const twinText = (device: HubView["devices"][number] | undefined) => {
  if (!device?.twin) return "-";
  const text = JSON.stringify({
    tags: device.twin.tags ?? {},
    desired: device.twin.properties?.desired ?? {},
  });
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
};

export function printSummary(input: {
  results: RegistrationOutcome[];
  hubs: HubView[];
  settings: Settings;
  seconds: number;
  webhookCalls: number;
  /** Enrollments declared disabled: their devices are expected to be refused. */
  disabled: ReadonlySet<string>;
}): void {
  const { results, hubs, settings, disabled } = input;
  const out: string[] = [];
  const deviceOn = (hub: string, deviceId: string) =>
    hubs.find((h) => h.hostName === hub)?.devices.find((d) => d.deviceId === deviceId);

  out.push("", "Devices (one line per individual enrollment, the first 3 of each group):", "");
  out.push(
    `  ${"registration id".padEnd(30)} ${"enrollment".padEnd(25)} ${"hub".padEnd(16)} ${"device id".padEnd(30)} initial twin`,
  );
  const shownPerGroup = new Map<string, number>();
  for (const r of results) {
    const shown = shownPerGroup.get(r.device.enrollment) ?? 0;
    shownPerGroup.set(r.device.enrollment, shown + 1);
    if (shown >= 3 && r.device.enrollment !== r.device.registrationId) continue;
    const line = r.ok
      ? `${short(r.assignedHub).padEnd(16)} ${r.deviceId.padEnd(30)} ${twinText(deviceOn(r.assignedHub, r.deviceId))}${deviceOn(r.assignedHub, r.deviceId)?.capabilities?.iotEdge ? " [IoT Edge]" : ""}`
      : disabled.has(r.device.enrollment)
        ? `refused, as expected: the enrollment is disabled (${r.error})`
        : `FAILED: ${r.error}`;
    out.push(`  ${r.device.registrationId.padEnd(30)} ${r.device.enrollment.padEnd(25)} ${line}`);
  }

  out.push(
    "",
    `Distribution per enrollment group (DPS allocation policy: ${settings.allocationPolicy}; hub weights: ${settings.linkedHubs.map((h) => `${short(h.hostName)}=${h.allocationWeight}`).join(", ")}):`,
    "",
  );
  const totalWeight = settings.linkedHubs.reduce((sum, h) => sum + h.allocationWeight, 0);
  // Groups only: an individual enrollment's one device says nothing about weights.
  const groups = new Set(
    results.filter((r) => r.device.enrollment !== r.device.registrationId).map((r) => r.device.enrollment),
  );
  for (const enrollment of groups) {
    const mine = results.filter((r) => r.device.enrollment === enrollment);
    const counts = new Map<string, number>();
    for (const r of mine) if (r.ok) counts.set(r.assignedHub, (counts.get(r.assignedHub) ?? 0) + 1);
    const parts = settings.linkedHubs.map((h) => {
      const n = counts.get(h.hostName) ?? 0;
      const pct = mine.length ? Math.round((100 * n) / mine.length) : 0;
      return `${short(h.hostName)} ${String(n).padStart(3)} (${String(pct).padStart(3)}%, weight share ${Math.round((100 * h.allocationWeight) / totalWeight)}%)`;
    });
    out.push(`  ${enrollment.padEnd(25)} ${String(mine.length).padStart(4)} devices: ${parts.join("  ")}`);
  }

  const refused = results.filter((r) => !r.ok && disabled.has(r.device.enrollment)).length;
  const failed = results.filter((r) => !r.ok).length - refused;
  out.push(
    "",
    `${results.length - failed - refused} of ${results.length} devices provisioned, ${refused} refused by a disabled enrollment, ${failed} failed; ${hubs.reduce((n, h) => n + h.devices.length, 0)} devices in the simulated hubs; custom allocation webhook called ${input.webhookCalls} times; ${input.seconds.toFixed(1)} s in all.`,
  );
  process.stdout.write(`${out.join("\n")}\n`);
}
