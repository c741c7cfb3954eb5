export * from './sql-dialect';
