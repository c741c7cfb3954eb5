export * from './donation';
export * from './donation-announcer';
export * from './donation-cursors.repository';
export * from './donation-ingestor';
export * from './donations.events';
export * from './donations.module';
export * from './entities';
export * from './push-activity';
