export * from './plan-language.types';
export * from './exact-decimal';
export * from './compiled-plan';
export * from './tier-table.evaluator';
export * from './plan-document.validator';
export * from './payout.engine';
export * from './calculation';
export * from './line.explainer';
