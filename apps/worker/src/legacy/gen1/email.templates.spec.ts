import { renderEmail } from './email.templates';

const facts = { repName: 'Ann <Lee>', planName: 'AE 2026', version: 2, periodLabel: 'FY2026', link: 'http://q.test/a/1' };

describe('renderEmail', () => {
  it('invites with the deadline and the link, escaping names in the HTML', () => {
    const mail = renderEmail('plan-invite', { ...facts, deadline: '2026-02-01T09:00:00.000Z' });
    expect(mail.subject).toBe('Your compensation plan: AE 2026 (version 2, FY2026)');
    expect(mail.text).toContain('accept or decline it by 2026-02-01.');
    expect(mail.text).toContain('http://q.test/a/1');
    expect(mail.html).toContain('Hello Ann &lt;Lee&gt;,');
    expect(mail.html).not.toContain('<Lee>');
  });

  it('numbers reminders and carries the decline reason', () => {
    expect(renderEmail('plan-reminder', { ...facts, reminder: 3 }).subject).toBe('Reminder 3: please accept or decline AE 2026');
    expect(renderEmail('plan-declined', { ...facts, reason: 'Quota too high' }).text).toContain('Reason given: Quota too high');
  });
});
