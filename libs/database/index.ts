export * from './sql-dialect';
export * from './transactions';
