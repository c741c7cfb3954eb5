export * from './column-transformers';
export * from './database.module';
export * from './typeorm-options';
