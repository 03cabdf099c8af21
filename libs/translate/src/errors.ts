import { PROTOCOL_LABEL, ProviderProtocol } from './protocols';

/** Every error this library throws: `status` is the HTTP status the gateway should answer with. */
export abstract class TranslateError extends Error {
  abstract readonly status: number;
}

/**
 * The request uses a feature the target provider cannot honour (for example `logit_bias` to an Anthropic model).
 * Dropping it would change what the request means, so the gateway answers 400 naming it.
 */
export class UntranslatableFeatureError extends TranslateError {
  readonly status = 400;

  constructor(
    /** The feature as the client named it: a field (`logit_bias`), a value (`n > 1`) or a kind of input. */
    readonly feature: string,
    readonly target: ProviderProtocol,
  ) {
    super(`${feature} cannot be translated to the ${PROTOCOL_LABEL[target]} API of this model's provider`);
    this.name = 'UntranslatableFeatureError';
  }
}

/** The client's body is not what its protocol allows (a missing field, a wrong type), found while decoding it. */
export class InvalidRequestError extends TranslateError {
  readonly status = 400;

  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/** The provider answered with something its protocol does not allow (not JSON, a missing field). */
export class ProviderResponseError extends TranslateError {
  readonly status = 502;

  constructor(message: string) {
    super(message);
    this.name = 'ProviderResponseError';
  }
}

/**
 * The provider reported a failure inside its stream (Anthropic's `error` event, an `{"error":…}` chunk). `status`
 * is 503 when the provider says it is overloaded, 502 otherwise; `providerType` is the provider's own error type.
 */
export class ProviderStreamError extends TranslateError {
  constructor(
    readonly status: 502 | 503,
    message: string,
    readonly providerType: string | undefined,
  ) {
    super(message);
    this.name = 'ProviderStreamError';
  }
}
