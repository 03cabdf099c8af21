export * from './chat-request';
export * from './chat-response';
export * from './stop-reason';
export * from './stream-event';
export * from './usage';
