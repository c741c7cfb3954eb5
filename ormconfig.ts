import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from './config';
import { loadDotEnvFile } from './config/dotenv';
import { appDataSourceOptions } from './src/app.entities';

loadDotEnvFile();

/** The DataSource of the migration CLI, built from the same options the app uses. */
export default new DataSource(appDataSourceOptions(loadDatabaseConfig()));
