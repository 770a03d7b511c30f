// CRM import and crediting: values, profiles, row validation, suggestions, credits (pure).
export * from './values';
export * from './suggest';
export * from './profile';
export * from './builtin-profiles';
export * from './lookup';
export * from './rows';
export * from './credits';
