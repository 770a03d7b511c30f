/** For the TypeORM CLI (`typeorm -d dist/libs/persistence/src/data-source.cli.js migration:show`). */
import { loadConfig } from '@quotaflow/config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

// The TypeORM CLI accepts exactly one DataSource export, hence default only.
const dataSourceForCli = new DataSource(dataSourceOptions(loadConfig(process.env, ['database']).database, { role: 'owner' }));
export default dataSourceForCli;
