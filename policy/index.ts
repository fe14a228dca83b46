import { PolicyPack } from "@pulumi/policy";
import { createPolicies } from "./policies";

// Every policy defaults to advisory; policy/config/<environment>.json raises what must block.
new PolicyPack("dps-as-code", {
  description: "dps-as-code guard rails: what may be deployed where (IoT Hub, DPS, enrollments).",
  enforcementLevel: "advisory",
  policies: createPolicies(),
});
