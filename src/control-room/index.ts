export * from './donation-history.repository';
export * from './donation-history.service';
export * from './control-room.module';
export * from './entities';
