export * from './entities';
export * from './webhook-registrations.service';
export * from './webhooks.module';
