import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from './config';
import { loadDotEnvFile } from './config/dotenv';
import { buildDataSourceOptions } from './src/database/typeorm-options';

loadDotEnvFile();

/** The DataSource of the migration CLI, built from the same options the app uses. */
export default new DataSource(buildDataSourceOptions(loadDatabaseConfig()));
