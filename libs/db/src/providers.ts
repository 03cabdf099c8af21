/**
 * The providers a channel or model may have: the Prisma enum Provider, in the order of prisma/schema.prisma. Each
 * speaks its own protocol upstream; a channel's base URL is the provider's origin without the protocol path.
 */
export const MODEL_PROVIDERS = ['openai', 'anthropic', 'google'] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/** The protocols a client may speak to the gateway, as usage records store them: the Prisma enum Protocol. */
export const USAGE_PROTOCOLS = ['openai', 'anthropic', 'gemini'] as const;
export type UsageProtocol = (typeof USAGE_PROTOCOLS)[number];

/**
 * The protocol each provider speaks natively (what its upstream API is). The database holds the same table
 * (gw_native_protocol, used by the stale sweep for the usage records of requests whose proxy died).
 */
export const NATIVE_PROTOCOL: Readonly<Record<ModelProvider, UsageProtocol>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'gemini',
};
