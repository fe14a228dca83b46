/**
 * DPS's IP filter: rules in order, the first that matches the caller's address decides; an
 * address no rule matches is accepted (learn.microsoft.com/azure/iot-dps/iot-dps-ip-filtering:
 * an empty list "accepts connections from any IP address"). A refused caller gets 401 with the
 * same body as a bad signature: "Any connection attempt from an IP address that matches a
 * rejecting IP rule in your DPS instance receives an unauthorized 401 status code and
 * description. The response message does not mention the IP rule." (same page). The admin API
 * stands for ARM, which the filter does not cover.
 */
import { isIP } from "node:net";
import type { Api } from "./http/routes";
import type { IpFilterRule } from "./options";

const TARGETS = ["all", "serviceApi", "deviceApi"] as const;

/** Checks the rules of a config file; throws naming the rule and field. */
export function parseIpFilterRules(value: unknown, where: string): IpFilterRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: ipFilterRules must be a list`);
  return value.map((raw, i) => {
    const at = `${where}: ipFilterRules[${i}]`;
    const r = (raw ?? {}) as Record<string, unknown>;
    if (typeof r.filterName !== "string" || r.filterName === "")
      throw new Error(`${at}.filterName is required`);
    if (r.action !== "Accept" && r.action !== "Reject")
      throw new Error(`${at}.action is ${JSON.stringify(r.action)}; allowed: Accept, Reject`);
    if (typeof r.ipMask !== "string" || parseMask(r.ipMask) === undefined)
      throw new Error(
        `${at}.ipMask is ${JSON.stringify(r.ipMask)}; expected an IPv4 address or CIDR range, or an IPv6 address`,
      );
    const target = r.target ?? "all";
    if (!(TARGETS as readonly unknown[]).includes(target))
      throw new Error(`${at}.target is ${JSON.stringify(r.target)}; allowed: ${TARGETS.join(", ")}`);
    return { filterName: r.filterName, action: r.action, ipMask: r.ipMask, target } as IpFilterRule;
  });
}

type Mask = { v4: true; base: number; bits: number } | { v4: false; address: string };

function ipv4(text: string): number | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function parseMask(mask: string): Mask | undefined {
  const [address = "", bitsText] = mask.trim().split("/");
  const base = ipv4(address);
  if (base !== undefined) {
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    return Number.isInteger(bits) && bits >= 0 && bits <= 32 ? { v4: true, base, bits } : undefined;
  }
  return isIP(address) === 6 && bitsText === undefined
    ? { v4: false, address: address.toLowerCase() }
    : undefined;
}

function matches(mask: Mask, address: string): boolean {
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (!mask.v4) return plain.toLowerCase() === mask.address;
  const value = ipv4(plain);
  if (value === undefined) return false;
  const size = 2 ** (32 - mask.bits);
  return Math.floor(value / size) === Math.floor(mask.base / size);
}

/** Whether the caller at `address` may use `api`. */
export function ipAllowed(rules: readonly IpFilterRule[], api: Api, address: string | undefined): boolean {
  if (api === "admin" || rules.length === 0) return true;
  const wanted = api === "service" ? "serviceApi" : "deviceApi";
  for (const rule of rules) {
    const target = rule.target ?? "all";
    if (target !== "all" && target !== wanted) continue;
    const mask = parseMask(rule.ipMask);
    if (mask && address !== undefined && matches(mask, address)) return rule.action === "Accept";
  }
  return true;
}
