export * from './approval.repository';
export * from './organisation.repository';
export * from './idempotency.repository';
export * from './quota-set.repository';
export * from './plan-assignment.repository';
export * from './territory.repository';
export * from './publish.repository';
