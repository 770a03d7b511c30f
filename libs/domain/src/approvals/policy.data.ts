// The organisation's approval policy: which stages each kind of request needs, who may act,
// deadlines, reminders and escalation. Routing is data: change it here, not in workflow code.
// Thresholds are the defaults; the running system takes them from configuration
// (`withThresholds`), and a request may only make them stricter.
import type { ApprovalPolicy } from './policy.types';
import { ACCEPT_DECLINE, ACKNOWLEDGE, APPROVE_REJECT } from './types';

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  version: '2026-1',
  thresholds: { financeAbove: '50000.00' },
  routes: {
    // What the plan-acceptance workflow runs: both stages remind, escalate and expire on the
    // publish's settings (3 / 7 / 14 days by default); ops hears of an expiry.
    'plan-acceptance': [
      {
        id: 'manager-preapproval',
        label: 'Manager pre-approval',
        when: { kind: 'setting', setting: 'managerPreApproval' },
        approvers: [{ kind: 'managers-of', of: 'subject-people' }],
        actingRole: 'manager',
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 3, escalateAfterDays: 7, deadlineDays: 14 },
        timingFromSettings: {
          reminderEveryDays: 'reminderEveryDays',
          escalateAfterDays: 'escalateAfterDays',
          deadlineDays: 'expireAfterDays',
        },
        escalateTo: [{ kind: 'role', role: 'ops' }],
        onDeadline: 'expire',
        notifyOnDeadline: [{ kind: 'role', role: 'ops' }],
      },
      {
        id: 'rep-acceptance',
        label: 'Plan acceptance',
        approvers: [{ kind: 'people-of', of: 'subject-people' }],
        actingRole: 'rep',
        mode: 'any',
        decisions: ACCEPT_DECLINE,
        timing: { reminderEveryDays: 3, escalateAfterDays: 7, deadlineDays: 14 },
        timingFromSettings: {
          reminderEveryDays: 'reminderEveryDays',
          escalateAfterDays: 'escalateAfterDays',
          deadlineDays: 'expireAfterDays',
        },
        escalateTo: [{ kind: 'managers-of', of: 'subject-people' }],
        // A rep without a manager: sales operations hear of the silence instead.
        escalateToFallback: [{ kind: 'role', role: 'ops' }],
        onDeadline: 'expire',
        notifyOnDeadline: [{ kind: 'role', role: 'ops' }],
      },
    ],
    'quota-signoff': [
      {
        id: 'team',
        label: 'Team {item} manager approval',
        forEach: 'subject-team',
        approvers: [{ kind: 'managers-of', of: 'each' }],
        actingRole: 'manager',
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 2, escalateAfterDays: 5 },
        escalateTo: [{ kind: 'role', role: 'ops' }],
        onDeadline: 'escalate-only',
      },
      {
        id: 'finance',
        label: 'Finance approval of the quota set',
        approvers: [{ kind: 'role', role: 'finance' }],
        actingRole: 'finance',
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 2 },
        onDeadline: 'escalate-only',
      },
      {
        id: 'acknowledge',
        label: 'Quota acknowledgement by {item}',
        forEach: 'subject-person',
        approvers: [{ kind: 'people-of', of: 'each' }],
        actingRole: 'rep',
        mode: 'any',
        decisions: ACKNOWLEDGE,
        timing: { reminderEveryDays: 3, escalateAfterDays: 5, deadlineDays: 10 },
        escalateTo: [{ kind: 'managers-of', of: 'each' }],
        onDeadline: 'proceed-flagged',
      },
    ],
    // The monthly close: every team's manager reviews their team's payouts in parallel, finance
    // approves the totals, sales operations approve the payroll export. A reject at any stage
    // sends the close back to calculation (a new calculation version, every approval void).
    'commission-close': [
      {
        id: 'team',
        label: 'Team {item} payout review',
        forEach: 'subject-team',
        approvers: [{ kind: 'managers-of', of: 'each' }],
        actingRole: 'manager',
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 1, escalateAfterDays: 2 },
        escalateTo: [{ kind: 'role', role: 'finance' }],
        onDeadline: 'escalate-only',
      },
      {
        id: 'finance',
        label: 'Finance approval of the payout totals',
        approvers: [{ kind: 'role', role: 'finance' }],
        actingRole: 'finance',
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 1 },
        onDeadline: 'escalate-only',
      },
      {
        id: 'payroll',
        label: 'Payroll export approval by sales operations',
        approvers: [{ kind: 'role', role: 'ops' }],
        actingRole: 'ops',
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 1 },
        onDeadline: 'escalate-only',
      },
    ],
    'territory-change': [
      {
        id: 'territory-managers',
        label: 'Managers of the losing and gaining territories',
        approvers: [
          { kind: 'managers-of', of: 'losing-territories' },
          { kind: 'managers-of', of: 'gaining-territories' },
        ],
        actingRole: 'manager',
        mode: 'all',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 2, escalateAfterDays: 5 },
        escalateTo: [{ kind: 'role', role: 'ops' }],
        onDeadline: 'escalate-only',
      },
      {
        id: 'ops',
        label: 'Sales operations approval',
        approvers: [{ kind: 'role', role: 'ops' }],
        actingRole: 'ops',
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 2 },
        onDeadline: 'escalate-only',
      },
      {
        id: 'finance',
        label: 'Finance approval of the money impact',
        when: { kind: 'amount-above', amount: 'revenueMoved', threshold: 'financeAbove' },
        approvers: [{ kind: 'role', role: 'finance' }],
        actingRole: 'finance',
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 2 },
        onDeadline: 'escalate-only',
      },
    ],
  },
};

