export * from './entities';
export * from './webhook-registrations.service';
export * from './webhooks.constants';
export * from './webhooks.module';
