export * from './csv-reader';
export * from './copy-writer';
export * from './import-types';
export * from './importer';
export * from './profile-store';
export * from './import-queries';
