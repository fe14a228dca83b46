import { describe, expect, it } from "vitest";
import { deriveDeviceKey } from "../../components/enrollments/derived-keys";
import { DERIVED_KEY_VECTORS } from "../../testkit/derived-key-vectors";
import { runProjectTool } from "../../testkit/project-tool";

describe("deriveDeviceKey", () => {
  it.each(DERIVED_KEY_VECTORS)(
    "matches the documented vector for group key %#",
    (groupKey, registrationId, expected) => {
      expect(deriveDeviceKey(groupKey, registrationId)).toBe(expected);
    },
  );

  it("rejects a malformed group key without echoing it", () => {
    expect(() => deriveDeviceKey("not-a-key", "dev-1")).toThrow(
      "group key (value hidden: secret) must be base64 of 16 to 64 bytes, as DPS holds it (the group's primaryKey or secondaryKey)",
    );
    try {
      deriveDeviceKey("not-a-key", "dev-1");
    } catch (error) {
      expect(String(error)).not.toContain("not-a-key");
    }
  });

  it("rejects an invalid registration id", () => {
    expect(() => deriveDeviceKey(DERIVED_KEY_VECTORS[0][0], "bad id")).toThrow(
      /registration id "bad id" is not valid/,
    );
  });
});

describe("scripts/derive-device-key.ts", () => {
  /** `npm run derive-device-key -- ...`: its stdout, or an error with its stderr when it fails. */
  const run = (args: string[], input: string, env: Record<string, string> = {}) => {
    const result = runProjectTool("derive-device-key", args, { input, env: { ...process.env, ...env } });
    if (result.status !== 0) throw new Error(`exit ${result.status}: ${result.stderr}`);
    return result.stdout;
  };

  it("reads the group key from stdin and prints one key per registration id", () => {
    expect(
      run(
        ["sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6", "breakroom499-contoso-tstrsd-007"],
        DERIVED_KEY_VECTORS[0][0] + "\n",
      ),
    ).toBe(
      `sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6 ${DERIVED_KEY_VECTORS[0][2]}\nbreakroom499-contoso-tstrsd-007 ${deriveDeviceKey(DERIVED_KEY_VECTORS[0][0], "breakroom499-contoso-tstrsd-007")}\n`,
    );
  });

  it("reads the group key from DPS_GROUP_KEY and prints JSON when asked", () => {
    expect(
      JSON.parse(
        run(["--json", "breakroom499-contoso-tstrsd-007"], "", { DPS_GROUP_KEY: DERIVED_KEY_VECTORS[1][0] }),
      ),
    ).toEqual({
      "breakroom499-contoso-tstrsd-007": DERIVED_KEY_VECTORS[1][2],
    });
  });

  it("refuses a key on the command line", () => {
    expect(() => run(["--key", DERIVED_KEY_VECTORS[0][0], "dev-1"], "")).toThrow(/never on the command line/);
  });
});
