import type { ConfigChecker } from "./config-checker";
import { NETWORK_DEFAULT_ACTIONS, type HubIpAllowRule, type HubNetworkRuleSets } from "./platform-config";

/** Names of IP rules (hub and DPS): what ARM accepts in `filterName`. */
export const FILTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const IPV4_CIDR =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
/** RFC 5737 documentation ranges: addresses from examples and templates, never a real client. */
export const DOCUMENTATION_RANGES = /^(192\.0\.2|198\.51\.100|203\.0\.113)\./;

const PLACEHOLDER_ADDRESS =
  "is a documentation address (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), a placeholder; accept the real address (e.g. the deployment pipeline's egress IP)";

/** Why a hub config with the classic filter is refused, and how to move. */
export const CLASSIC_HUB_IP_FILTER =
  "the classic IoT Hub IP filter (Accept/Reject rules) is retired (Azure/azure-deprecation dashboard #117); " +
  "use networkRuleSets: { defaultAction: Deny, ipRules: [{ name, ipMask }] } to admit only the listed ranges, " +
  "or networkRuleSets: { defaultAction: Allow } to admit every address. Reject rules have no equivalent: " +
  'see "Hub network rules" in components/platform/README.md';

/**
 * `hubs.<key>.networkRuleSets`: IoT Hub's current IP filter (ARM `properties.networkRuleSets`):
 * a default action and *allow* rules only. Absent: nothing is sent and Azure's default applies
 * (every address may connect). The retired `ipFilterRules` key is refused with how to move.
 */
export function parseHubNetworkRuleSets(
  c: ConfigChecker,
  path: string,
  settings: Record<string, unknown>,
): HubNetworkRuleSets | undefined {
  if (settings.ipFilterRules !== undefined) c.fail(`${path}.ipFilterRules`, CLASSIC_HUB_IP_FILTER);
  const p = `${path}.networkRuleSets`;
  const s = c.object(p, settings.networkRuleSets);
  if (!s) return undefined;
  c.onlyKnownKeys(p, s, ["defaultAction", "applyToBuiltInEventHubEndpoint", "ipRules"]);
  const defaultAction =
    s.defaultAction === undefined
      ? c.fail(`${p}.defaultAction`, 'is required ("Deny" with ipRules, or "Allow")')
      : c.oneOf(`${p}.defaultAction`, s.defaultAction, NETWORK_DEFAULT_ACTIONS, "Deny");
  const applyToBuiltInEventHubEndpoint = c.boolean(
    `${p}.applyToBuiltInEventHubEndpoint`,
    s.applyToBuiltInEventHubEndpoint,
    true,
  );
  const ipRules = parseAllowRules(c, `${p}.ipRules`, s.ipRules);
  if (defaultAction === "Deny" && ipRules.length === 0 && s.ipRules === undefined) {
    c.fail(
      `${p}.ipRules`,
      "is required with defaultAction Deny (without rules no device, operator or DPS could connect); list the ranges to admit",
    );
  }
  if (defaultAction === "Allow" && ipRules.length > 0) {
    c.fail(
      `${p}.ipRules`,
      "has no effect with defaultAction Allow (every address is admitted already); use defaultAction Deny to admit only these ranges",
    );
  }
  if (defaultAction === undefined || applyToBuiltInEventHubEndpoint === undefined) return undefined;
  return { defaultAction, applyToBuiltInEventHubEndpoint, ipRules };
}

function parseAllowRules(c: ConfigChecker, path: string, value: unknown): HubIpAllowRule[] {
  const rules: HubIpAllowRule[] = [];
  c.list(path, value).forEach((v, i) => {
    const p = `${path}[${i}]`;
    const r = c.object(p, v);
    if (!r) return void c.fail(p, "expected a rule { name, ipMask }");
    c.onlyKnownKeys(p, r, ["name", "ipMask", "action"]);
    // ARM's only NetworkRuleIPAction is "Allow"; a Reject is what the classic filter had.
    if (r.action !== undefined && r.action !== "Allow")
      c.fail(
        `${p}.action`,
        `${JSON.stringify(r.action)} is not allowed; allowed "Allow" (network rule sets only admit; leave the range out to refuse it)`,
      );
    const name = c.requiredString(`${p}.name`, r.name, "a unique rule name");
    if (name !== undefined && !FILTER_NAME.test(name))
      c.fail(`${p}.name`, `${JSON.stringify(name)} is not allowed; use letters, digits, '.', '_' or '-'`);
    if (name !== undefined && rules.some((rule) => rule.name === name))
      c.fail(`${p}.name`, `${JSON.stringify(name)} is used by another rule; rule names are unique`);
    const raw = c.requiredString(
      `${p}.ipMask`,
      r.ipMask,
      'an IPv4 address or CIDR range such as "203.0.113.0/24"',
    );
    const ipMask =
      raw !== undefined && !IPV4_CIDR.test(raw)
        ? c.fail(`${p}.ipMask`, `${JSON.stringify(raw)} is not an IPv4 address or CIDR range`)
        : raw;
    if (ipMask !== undefined && DOCUMENTATION_RANGES.test(ipMask))
      c.fail(`${p}.ipMask`, `${JSON.stringify(ipMask)} ${PLACEHOLDER_ADDRESS}`);
    if (name !== undefined && ipMask !== undefined) rules.push({ name, ipMask });
  });
  return rules;
}

/** The same placeholder refusal for the DPS's Accept rules. */
export function placeholderAddressProblem(ipMask: string): string {
  return `${JSON.stringify(ipMask)} ${PLACEHOLDER_ADDRESS}`;
}

/**
 * DPS applies IP filter rules in order and the first match wins (learn.microsoft.com/azure/
 * iot-dps/iot-dps-ip-filtering). A rule rejecting every address for the service API before any
 * rule accepts one would lock out `pulumi up` and the PR preview: the enrollments are written
 * through that API. The index of such a rule, or undefined.
 */
export function serviceApiLockoutRule(
  rules: readonly { ipMask: string; action: string; target: string }[],
): number | undefined {
  for (const [index, rule] of rules.entries()) {
    if (rule.target === "deviceApi") continue;
    if (rule.action === "Accept") return undefined;
    if (rule.ipMask === "0.0.0.0/0") return index;
  }
  return undefined;
}
