export * from './avatar-wall.service';
export * from './overlay.module';
export * from './entities';
