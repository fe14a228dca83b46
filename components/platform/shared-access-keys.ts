import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** The two keys of one shared access policy, both secret Outputs (base64 of 32 random bytes). */
export interface SharedAccessKeys {
  readonly primaryKey: pulumi.Output<string>;
  readonly secondaryKey: pulumi.Output<string>;
}

/** Bytes per key: what IoT Hub and DPS generate themselves (a 44-character base64 string). */
export const SHARED_ACCESS_KEY_BYTES = 32;

/**
 * Keys for a shared access policy we declare inline on an IoT hub or a DPS, generated once and
 * kept (encrypted) in state.
 *
 * Why not let Azure generate them: ARM's CreateOrUpdate of `Microsoft.Devices/IotHubs` and
 * `Microsoft.Devices/provisioningServices` takes the whole `authorizationPolicies` list, and a
 * policy sent without keys gets NEW keys (azurerm had to copy the existing keys back on every
 * update for this reason, terraform-provider-azurerm#7445 / PR #8017; `az iot dps policy update`
 * regenerates a key by sending it as null). azure-native PUTs the declared inputs on every
 * update (a tag, a weight, a refreshed masked link string), so keyless policies would rotate on
 * each `pulumi up`, after the program had already read the old key: the DPS would keep a dead
 * hub link and the enrollment resources a dead connection string.
 *
 * Rotate deliberately with `pulumi up --replace <urn of the RandomBytes>`: the hub (or DPS) is
 * updated with the new key, and everything built from it (the DPS link, the enrollment
 * connection string) follows in the same run.
 */
export function sharedAccessKeys(name: string, parent: pulumi.Resource): SharedAccessKeys {
  const key = (which: "primary" | "secondary") =>
    // `base64` is already an additional secret output of RandomBytes; wrapping says so here too.
    pulumi.secret(
      new random.RandomBytes(`${name}-${which}`, { length: SHARED_ACCESS_KEY_BYTES }, { parent }).base64,
    );
  return { primaryKey: key("primary"), secondaryKey: key("secondary") };
}
