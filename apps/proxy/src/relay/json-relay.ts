import type { FastifyReply } from 'fastify';
import { TokenUsage, ZERO_USAGE } from '@gw/billing';
import { GatewayError } from '@gw/common';
import { classifyTransportError } from './upstream-errors';
import type { UpstreamResponse } from './upstream-client';
import { withRequestedModel } from './model-field';
import type { RelayResult } from './relay-result';

/** What a protocol makes of a provider's JSON answer. */
export interface JsonAnswer {
  /** The usage the provider reported, or null when it reported none. */
  usage: TokenUsage | null;
  /** The answer's output text, for the gateway to count when the provider reported no usage. */
  outputText(): string;
  /** The provider's stop reason (relay/finish-reason.ts); absent or null: none. */
  finishReason?: string | null;
}

/** Reads a provider's answer: null when it is not a valid answer of its protocol (a 502 for the client). */
export type JsonAnswerReader = (body: Record<string, unknown>) => JsonAnswer | null;

/** A provider's JSON answer, read in full and checked against its protocol's shape. */
export interface ReadAnswer {
  raw: string;
  body: Record<string, unknown>;
  answer: JsonAnswer;
}

/** Reads the upstream body in full: a 502 when it is not JSON or not a valid answer of its protocol. */
export async function readJsonAnswer(response: UpstreamResponse, read: JsonAnswerReader): Promise<ReadAnswer> {
  let raw: string;
  try {
    raw = await response.body.text();
  } catch (error) {
    throw classifyTransportError(error, response.limits);
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw GatewayError.upstream('The upstream provider returned an invalid response (not JSON)');
  }
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  const answer = isObject ? read(body as Record<string, unknown>) : null;
  if (answer === null) throw GatewayError.upstream('The upstream provider returned an invalid response');
  return { raw, body: body as Record<string, unknown>, answer };
}

/** Sends the client's answer text and says how the request ended, for settlement. */
export function sendJsonAnswer(reply: FastifyReply, text: string, answer: JsonAnswer): RelayResult {
  reply.status(200).header('content-type', 'application/json').send(text);
  return {
    status: 200,
    outcome: 'completed',
    // Without the provider's usage, the settlement counts input and output itself (off the event loop).
    usage: answer.usage ?? ZERO_USAGE,
    usageEstimated: answer.usage === null,
    inputReported: answer.usage !== null,
    outputText: answer.usage === null ? answer.outputText() : null,
    errorType: null,
    finishReason: answer.finishReason ?? null,
  };
}

/**
 * A non-streaming answer: read in full, checked against its protocol's shape, passed to the client as the provider
 * wrote it except for the `model` field (the id the client sent), and settled on the usage it reports.
 */
export async function relayJson(
  requestedModel: string,
  response: UpstreamResponse,
  reply: FastifyReply,
  read: JsonAnswerReader,
): Promise<RelayResult> {
  const { raw, body, answer } = await readJsonAnswer(response, read);
  const document = body as { model?: unknown };
  let text = withRequestedModel(raw, document.model, requestedModel);
  if (text === null) {
    document.model = requestedModel;
    text = JSON.stringify(document);
  }
  return sendJsonAnswer(reply, text, answer);
}
