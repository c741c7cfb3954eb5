export * from './same-origin.guard';
export * from './session.service';
export * from './sessions.module';
export * from './streamer-session.decorator';
export * from './streamer-session.guard';
