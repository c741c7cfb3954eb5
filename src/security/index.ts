export * from './keyring';
export * from './security.module';
export * from './token-cipher';
