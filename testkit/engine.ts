// Access to the real Pulumi engine for end-to-end tests (find-engine.ts finds it). Tests that
// need the engine declare their suite with `describeWithEngine()`: outside CI a missing CLI skips
// them with a loud reason; under CI=true it fails, so a broken set-up can never pass as green.
import { describe } from "vitest";
import { engineMissingReason, findEngine, type Engine } from "./find-engine";

export * from "./find-engine";

/**
 * A suite that needs the engine (and whatever else `alsoMissing` reports, e.g. the policy
 * pack's dependencies). When something is missing the suite is skipped with a loud reason,
 * or, under CI=true, the test file fails. `body` gets the engine; in a skipped suite it is a
 * stand-in that throws if touched (no hook or test of a skipped suite runs).
 */
export function describeWithEngine(
  title: string,
  body: (engine: Engine) => void,
  alsoMissing?: () => string | undefined,
): void {
  const engine = findEngine();
  const missing = engine ? alsoMissing?.() : engineMissingReason;
  if (missing && process.env.CI === "true") throw new Error(`CI=true and ${missing}`);
  if (missing) console.warn(`\n*** SKIPPING ${title}: ${missing} ***\n`);
  const absent = new Proxy({} as Engine, {
    get() {
      throw new Error(`${title}: ${missing}`);
    },
  });
  describe.skipIf(missing !== undefined)(title, () => body(engine && !missing ? engine : absent));
}
