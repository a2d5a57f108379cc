/**
 * A DR site's onboarding policy: whether the site's network-container requests are approved automatically,
 * and after how long a pending approval is reminded and then escalated.
 */
export interface DrSiteApprovalPolicy {
  autoApproveContainers: boolean;
  approvalReminderSeconds: number;
  approvalEscalationSeconds: number;
}

/** A site without a policy of its own asks the provider, reminds after 4 hours and escalates after a day. */
export const DEFAULT_SITE_POLICY: DrSiteApprovalPolicy = { autoApproveContainers: false, approvalReminderSeconds: 4 * 3600, approvalEscalationSeconds: 24 * 3600 };
