export * from './speech-engine';
export * from './spoken-text';
export * from './tts.service';
