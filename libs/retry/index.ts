export * from './reconnect-delay';
