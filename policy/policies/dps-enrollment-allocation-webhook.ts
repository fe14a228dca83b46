import type { ResourceValidationPolicy } from "@pulumi/policy";
import { forEachEnrollment, notApplicable } from "../lib/per-enrollment";
import { isUnknown, knownPath, knownProperty } from "../lib/known";

// A custom allocation webhook URL carries its function key in the query string (`?code=...`),
// and DPS has no other place for it. So the URL is a secret end to end:
// - what this policy checks: the webhook is https (DPS would send the key and the device's
//   registration in clear otherwise), carries no user:password part, and names an apiVersion;
// - what it cannot check: whether the URL was passed as a Pulumi secret. @pulumi/policy 1.21
//   unwraps secrets before calling validateResource, so a secret and a plain string look the
//   same here. The manifest format enforces that part instead (it accepts only the *name* of a
//   secret config key, `webhookUrlSecret`). Messages never include the query string.
export const dpsEnrollmentAllocationWebhookPolicy: ResourceValidationPolicy = {
  name: "dps-enrollment-allocation-webhook",
  description:
    "Custom allocation webhooks use https, carry no credentials outside the (secret) query string, and name an apiVersion.",
  severity: "high",
  validateResource: (args, reportViolation) =>
    forEachEnrollment(args, reportViolation, (enrollment) => {
      const policy = knownProperty(enrollment.props, "allocationPolicy");
      const definition = knownProperty(enrollment.props, "customAllocationDefinition");
      if (isUnknown(policy) || isUnknown(definition)) {
        return notApplicable("the allocation settings are unknown during preview; checked on update");
      }
      if (policy !== "custom") {
        return;
      }
      const webhookUrl = knownPath(enrollment.props, ["customAllocationDefinition", "webhookUrl"]);
      const apiVersion = knownPath(enrollment.props, ["customAllocationDefinition", "apiVersion"]);
      if (typeof apiVersion !== "string" && !isUnknown(apiVersion)) {
        reportViolation(
          `${enrollment.label} uses allocationPolicy "custom" without customAllocationDefinition.apiVersion; set it (e.g. "2021-10-01").`,
        );
      }
      if (isUnknown(webhookUrl)) {
        return;
      }
      if (typeof webhookUrl !== "string" || webhookUrl.trim() === "") {
        reportViolation(
          `${enrollment.label} uses allocationPolicy "custom" without customAllocationDefinition.webhookUrl; pass the webhook URL as a Pulumi secret.`,
        );
        return;
      }
      let url: URL;
      try {
        url = new URL(webhookUrl);
      } catch {
        reportViolation(
          `${enrollment.label} customAllocationDefinition.webhookUrl is not an absolute URL; use https://<host>/<path>?code=<key>.`,
        );
        return;
      }
      const shown = `${url.protocol}//${url.host}${url.pathname}`;
      if (url.protocol !== "https:") {
        reportViolation(
          `${enrollment.label} custom allocation webhook ${shown} uses ${url.protocol.replace(":", "")}; DPS would send its key and the device's registration unencrypted: use https.`,
        );
      }
      if (url.username !== "" || url.password !== "") {
        reportViolation(
          `${enrollment.label} custom allocation webhook ${shown} carries credentials before the host name; remove them and use the function key in the query string, passed as a Pulumi secret.`,
        );
      }
      return;
    }),
};
