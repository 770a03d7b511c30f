import { historyTree, type HistorySize } from '../../apps/cli/src/scale/histories';
import { runPublish } from '../../apps/cli/src/scale/scale-driver';
import { expectHistoriesBounded, scaleApi, scaleStack, seedScaleOrganisation } from '../support/scale';

jest.setTimeout(600_000);

const REPS = 2000;

/**
 * Publishing a plan to 2,000 reps (issue 14): the API answers at once, the publish workflow
 * starts the acceptance workflows in batches, and every rep gets their invite exactly once
 * (counted at the SMTP server: one message per rep, 2,000 distinct Message-IDs).
 */
describe('publish at scale', () => {
  const stack = scaleStack('publish-scale');

  it('2,000 reps: every invite sent exactly once, every history bounded', async () => {
    const { h, temporal } = stack;
    const org = await seedScaleOrganisation(h, REPS, 'p2000', 500);
    const run = await runPublish(scaleApi(h), org, { key: 'scale-2000' });
    expect(run.progress).toMatchObject({ targets: REPS, created: REPS, started: REPS, invited: REPS });

    // At the SMTP server: each rep's invite, once.
    const emails = new Set(org.reps.map((r) => r.email));
    const invites = () => h.smtp.messages.filter((m) => (m.subject ?? '').startsWith('Your compensation plan: '));
    const recipients = (m: (typeof h.smtp.messages)[number]) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));
    const waitAll = async () => {
      for (let i = 0; i < 600 && invites().length < REPS; i++) await new Promise((r) => setTimeout(r, 100));
    };
    await waitAll();
    const sent = invites();
    expect(sent.length).toBe(REPS);
    expect(new Set(sent.map((m) => m.messageId)).size).toBe(REPS);
    const to = sent.flatMap(recipients);
    expect(new Set(to).size).toBe(REPS);
    expect(to.every((address) => emails.has(address))).toBe(true);

    // The publish workflow and a sample of acceptance workflows: bounded, whatever the size.
    const [first, last] = (await h.db.query(
      `(SELECT workflow_id FROM plan_assignments WHERE publish_id = $1 ORDER BY id LIMIT 1) UNION ALL (SELECT workflow_id FROM plan_assignments WHERE publish_id = $1 ORDER BY id DESC LIMIT 1)`,
      [run.publishId],
    )) as Array<{ workflow_id: string }>;
    // The publish ends after its last batch's workflows have opened (a poll after the last invite).
    await temporal.client.workflow.getHandle(run.workflowId).result();
    const sizes: HistorySize[] = [];
    for (const id of [run.workflowId, first!.workflow_id, last!.workflow_id]) sizes.push(...(await historyTree(temporal.client, id)));
    expect(sizes.find((s) => s.workflowId === run.workflowId)?.status).toBe('COMPLETED');
    expectHistoriesBounded(sizes);
  }, 1_800_000);
});
