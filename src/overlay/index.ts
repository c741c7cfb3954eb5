export * from './overlay.module';
