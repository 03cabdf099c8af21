export * from './hold.lua';
export * from './settle.lua';
export * from './heartbeat.lua';
export * from './sweep.lua';
export * from './credit.lua';
export * from './load.lua';
export * from './ack.lua';
export * from './inspect.lua';
