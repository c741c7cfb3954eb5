export * from './chat-transport';
export * from './irc-ws-transport';
