export * from './sql-dialect';
export * from './transactions';
export * from './transaction';
