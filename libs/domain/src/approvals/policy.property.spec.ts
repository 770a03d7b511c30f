import fc from 'fast-check';
import { DomainError } from '../errors';
import { activeStages, applyDecision, createApprovalState, type ApprovalState } from './approval-state';
import { DEFAULT_APPROVAL_POLICY, resolveStages } from './policy';
import type { ApprovalRequest, ApprovalStage, Organisation, Role } from './types';

const PEOPLE = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
const TEAMS = ['t0', 't1', 't2'];
const TERRITORIES = ['r0', 'r1', 'r2'];
const ROLES: Role[] = ['rep', 'manager', 'finance', 'ops'];

const orgArb: fc.Arbitrary<Organisation> = fc.record({
  people: fc.tuple(
    ...PEOPLE.map((id) =>
      fc.record({
        id: fc.constant(id),
        roles: fc.subarray(ROLES, { minLength: 1 }),
        teamId: fc.constantFrom(...TEAMS),
        active: fc.boolean().map((b) => b || id < 'p5'),
      }),
    ),
  ),
  teams: fc.tuple(...TEAMS.map((id) => fc.record({ id: fc.constant(id), managerId: fc.constantFrom(...PEOPLE) }))),
  territories: fc.tuple(...TERRITORIES.map((id) => fc.record({ id: fc.constant(id), ownerId: fc.constantFrom(...PEOPLE), teamId: fc.constantFrom(...TEAMS) }))),
});

const requestArb: fc.Arbitrary<ApprovalRequest> = fc.record({
  kind: fc.constantFrom('plan-acceptance' as const, 'quota-signoff' as const, 'territory-change' as const),
  requesterId: fc.constantFrom(...PEOPLE),
  subjectPersonIds: fc.subarray(PEOPLE, { minLength: 1, maxLength: 3 }),
  subjectTeamIds: fc.subarray(TEAMS, { minLength: 1 }),
  losingTerritoryIds: fc.subarray(TERRITORIES, { minLength: 1, maxLength: 1 }),
  gainingTerritoryIds: fc.subarray(TERRITORIES, { minLength: 1, maxLength: 1 }),
  impact: fc.record({ revenueMoved: fc.integer({ min: 0, max: 100000 }).map(String) }),
  settings: fc.record({ managerPreApproval: fc.boolean() }),
});

function resolveOrSkip(request: ApprovalRequest, org: Organisation): ApprovalStage[] | undefined {
  try {
    return resolveStages(DEFAULT_APPROVAL_POLICY, request, org);
  } catch (error) {
    if (error instanceof DomainError && ['APPROVAL.NO_ELIGIBLE_APPROVER', 'VALIDATION.FAILED'].includes(error.code)) return undefined;
    throw error;
  }
}

const required = (s: ApprovalStage): string[] => (s.mode === 'all' || s.approverIds.length === 1 ? s.approverIds : []);

describe('approval policy properties (random organisations and requests)', () => {
  it('never lists the requester, a subject on an approval, an inactive person, or a required signer in two steps', () => {
    fc.assert(
      fc.property(orgArb, requestArb, (org, request) => {
        const stages = resolveOrSkip(request, org);
        if (!stages) return;
        const active = new Set(org.people.filter((p) => p.active).map((p) => p.id));
        stages.forEach((stage, index) => {
          expect(stage.approverIds.length).toBeGreaterThan(0);
          expect(stage.approverIds).not.toContain(request.requesterId);
          for (const id of stage.approverIds) expect(active.has(id)).toBe(true);
          if (stage.decisions[0] === 'approve') {
            for (const id of request.subjectPersonIds ?? []) expect(stage.approverIds).not.toContain(id);
          }
          if (index > 0) expect(stage.step! - stages[index - 1].step!).toBeGreaterThanOrEqual(0);
          for (const other of stages.filter((s) => s.step! !== stage.step!)) {
            for (const id of required(other)) expect(stage.approverIds).not.toContain(id);
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it('any order of decisions keeps one signer per step and completes only with every stage done', () => {
    const decisionArb = fc.array(fc.record({ stage: fc.nat(), actor: fc.constantFrom(...PEOPLE), reject: fc.nat(9) }), { maxLength: 30 });
    fc.assert(
      fc.property(orgArb, requestArb, decisionArb, (org, request, attempts) => {
        const stages = resolveOrSkip(request, org);
        if (!stages) return;
        let state: ApprovalState = createApprovalState(request, stages);
        for (const attempt of attempts) {
          const open = activeStages(state);
          if (open.length === 0) break;
          const stage = open[attempt.stage % open.length];
          const decision = attempt.reject === 0 ? stage.decisions[stage.decisions.length - 1] : stage.decisions[0];
          // Half the attempts use a real approver, half a random person (mostly refused).
          const actorId = attempt.stage % 2 === 0 ? stage.approverIds[attempt.stage % stage.approverIds.length] : attempt.actor;
          const result = applyDecision(state, { stageId: stage.id, actorId, decision });
          if (result.ok) state = result.state;
        }
        const effective = Object.values(state.decisions).flat();
        for (const d of effective) {
          expect(effective.filter((e) => e.actorId === d.actorId).every((e) => e.step === d.step)).toBe(true);
          expect(d.actorId).not.toBe(request.requesterId);
        }
        if (state.status === 'approved') {
          for (const stage of state.stages) {
            const positives = (state.decisions[stage.id] ?? []).map((d) => d.actorId);
            if (stage.mode === 'all') expect(stage.approverIds.every((id) => positives.includes(id))).toBe(true);
            else expect(positives.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
