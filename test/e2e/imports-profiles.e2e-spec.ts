/**
 * The shipped profiles on exports in their vendors' real column layouts (samples carried here):
 * a Salesforce opportunity report ("Details Only" CSV: every field quoted, M/D/YYYY, CRLF, the
 * report's totals and notices below the rows) and a HubSpot deals export.
 */
import { DealEntity } from '@quotaflow/persistence';
import { type Harness, startHarness } from './harness';
import { upload } from './imports-support';

jest.setTimeout(120_000);

const PEOPLE = 'name,email,roles,team\nJane Doe,jane.doe@vendor.test,rep,\nJohn Smith,john.smith@vendor.test,rep,\n';
const TERRITORIES = 'name,owner_email\nVendor Land,jane.doe@vendor.test\n';
const ACCOUNTS = 'external_id,name,territory\n0015g00000ABCDE,"Globex, Inc.",Vendor Land\n9876543210,Initech,Vendor Land\n';

const SALESFORCE = [
  '"Opportunity Owner","Account Name","Opportunity Name","Stage","Fiscal Period","Amount","Probability (%)","Age","Close Date","Created Date","Next Step","Lead Source","Type","Opportunity ID"',
  '"Jane Doe","Globex, Inc.","Globex - 500 seats","Closed Won","Q1-2026","125000","100","41","3/28/2026","2/15/2026","","Web","New Customer","0065g00000XyZ01AAB"',
  '"John Smith","Globex, Inc.","Globex - support","Closed Lost","Q1-2026","0","0","30","3/30/2026","2/28/2026","","Partner Referral","Existing Customer - Upgrade","0065g00000XyZ02AAB"',
  '"Jane Doe","Initech","Initech - pilot","Negotiation/Review","Q2-2026","48000.50","90","12","5/15/2026","3/19/2026","Send contract","Trade Show","New Customer","0065g00000XyZ03AAB"',
  '"John Smith","Initech","Initech - expansion","Prospecting","Q3-2026","","10","2","","3/29/2026","Discovery call","","","0065g00000XyZ04AAB"',
  '',
  '"Grand Totals (4 records)"',
  '',
  '"Confidential Information - Do Not Distribute"',
  '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."',
  '',
].join('\r\n');

const HUBSPOT = [
  'Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount,Create Date,Pipeline,Deal Type,Associated Company IDs (Primary),Associated Company (Primary),Currency',
  '15963578012,Initech renewal,Closed won,2026-04-01 09:30,John Smith,36000,2026-01-12 16:04,Sales Pipeline,Existing Business,9876543210,Initech,USD',
  '15963578013,Globex new line,Contract sent,2026-06-30 00:00,Jane Doe,82000.25,2026-03-02 11:47,Sales Pipeline,New Business,0015g00000ABCDE,"Globex, Inc.",USD',
  '15963578014,Initech add-on,Closed lost,2026-02-20 10:00,Jane Doe,0,2026-01-20 08:15,Sales Pipeline,New Business,9876543210,Initech,USD',
  '15963578015,Initech upsell,Appointment scheduled,,John Smith,,2026-03-30 12:00,Sales Pipeline,,9876543210,Initech,USD',
  '',
].join('\n');

describe('shipped import profiles on vendor exports', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('import-profiles');
    for (const [kind, body] of [['people', PEOPLE], ['territories', TERRITORIES], ['accounts', ACCOUNTS]] as const) {
      expect((await upload(h, h.org.ops, kind, body)).body.issues).toEqual([]);
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('salesforce: an opportunity report with its footer, owners by full name, stages mapped (anything else open)', async () => {
    const r = await upload(h, h.org.ops, 'deals', SALESFORCE, 'profile=salesforce&currency=USD');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'completed', counts: { rowsRead: 4, created: 4 }, issues: [] });
    expect(r.body.ignoredColumns).toEqual(['Fiscal Period', 'Probability (%)', 'Age', 'Next Step', 'Lead Source']);
    const deals = await h.db.getRepository(DealEntity).find({ where: [{ externalId: '0065g00000XyZ01AAB' }, { externalId: '0065g00000XyZ02AAB' }, { externalId: '0065g00000XyZ03AAB' }, { externalId: '0065g00000XyZ04AAB' }], order: { externalId: 'ASC' } });
    expect(deals.map((d) => [d.stage, d.type, d.amount, d.amountMissing, d.closeDate, d.closeDateMissing, d.createdDate, d.currency])).toEqual([
      ['won', 'new', '125000.00', false, '2026-03-28', false, '2026-02-15', 'USD'],
      ['lost', 'expansion', '0.00', false, '2026-03-30', false, '2026-02-28', 'USD'],
      ['open', 'new', '48000.50', false, '2026-05-15', false, '2026-03-19', 'USD'],
      ['open', 'new', '0.00', true, '2026-03-29', true, '2026-03-29', 'USD'],
    ]);
    const again = await upload(h, h.org.ops, 'deals', SALESFORCE, 'profile=salesforce');
    expect(again.body.counts).toMatchObject({ unchanged: 4, created: 0, updated: 0 });
  });

  it('hubspot: a deals export with date-times, owners by name, companies by HubSpot id', async () => {
    const r = await upload(h, h.org.ops, 'deals', HUBSPOT, 'profile=hubspot');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'completed', counts: { rowsRead: 4, created: 4 }, issues: [] });
    expect(r.body.ignoredColumns).toEqual(['Pipeline', 'Associated Company (Primary)']);
    const deals = await h.db.getRepository(DealEntity).find({ where: [{ externalId: '15963578012' }, { externalId: '15963578013' }, { externalId: '15963578014' }, { externalId: '15963578015' }], order: { externalId: 'ASC' } });
    expect(deals.map((d) => [d.name, d.stage, d.type, d.amount, d.closeDate])).toEqual([
      ['Initech renewal', 'won', 'expansion', '36000.00', '2026-04-01'],
      ['Globex new line', 'open', 'new', '82000.25', '2026-06-30'],
      ['Initech add-on', 'lost', 'new', '0.00', '2026-02-20'],
      ['Initech upsell', 'open', 'new', '0.00', '2026-03-30'],
    ]);
  });

  it('a Salesforce file under the HubSpot profile is refused with the missing columns named', async () => {
    const r = await upload(h, h.org.ops, 'deals', SALESFORCE, 'profile=hubspot&dryRun=true');
    expect(r.body.status).toBe('rejected');
    expect(r.body.fileError.code).toBe('FILE.MISSING_COLUMN');
    expect(r.body.issues.map((i: { message: string }) => i.message)).toEqual(expect.arrayContaining([expect.stringContaining('external_id column ("Record ID")')]));
  });
});
