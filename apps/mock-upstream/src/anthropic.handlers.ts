import { readMessagesRequest } from './anthropic.request';
import { type MessageAnswer, MessageStream, messageBody, truncatedMessage } from './anthropic.responses';
import type { Exchange, Handler } from './exchange';
import { JSON_CONTENT_TYPE, sendJson, sendText } from './http-io';
import type { FailFirstRegistry } from './fail-first';
import { answerWithMarkers, failedFirst } from './marked-answer';
import { parseMarkers, planOutput } from './markers';
import { ANTHROPIC_MODEL_LIST } from './models';
import { sendProviderError } from './provider-errors';
import { SSE_HEADERS, sseEvent, streamFrames } from './sse';

export interface AnthropicHandlers {
  readonly messages: Handler;
  readonly countTokens: Handler;
  readonly models: Handler;
}

export function createAnthropicHandlers(nextId: () => number, failures: FailFirstRegistry): AnthropicHandlers {
  return {
    messages(x: Exchange): void {
      const req = readMessagesRequest(x.body);
      if (typeof req === 'string') return sendProviderError(x.res, 'anthropic', 400, { message: req });
      const markers = parseMarkers(req.lastUserText);
      if (failedFirst(x, 'anthropic', markers, failures, req.lastUserText)) return;
      answerWithMarkers(x, 'anthropic', markers, () => {
        const output = planOutput(markers, req.maxTokens);
        const n = nextId();
        const toolUse =
          markers.toolCall && req.toolName !== undefined ? { id: `toolu_mock_${n}`, name: req.toolName } : undefined;
        const answer: MessageAnswer = {
          id: `msg_mock_${n}`,
          model: req.model,
          inputTokens: req.inputTokens,
          cacheReadTokens: markers.cachedTokens,
          cacheWriteTokens: markers.cacheWriteTokens,
          outputTokens: output.tokens,
          stopReason: toolUse !== undefined ? 'tool_use' : output.capped ? 'max_tokens' : 'end_turn',
          toolUse,
        };
        if (markers.invalidJson) {
          const broken = truncatedMessage(answer);
          if (!req.stream) return sendText(x.res, 200, broken, JSON_CONTENT_TYPE);
          x.res.writeHead(200, SSE_HEADERS);
          return void x.res.end(sseEvent('message_start', broken));
        }
        if (!req.stream) return sendJson(x.res, 200, messageBody(answer));
        streamFrames(x, new MessageStream(answer), markers);
      });
    },

    countTokens(x: Exchange): void {
      const req = readMessagesRequest(x.body);
      if (typeof req === 'string') return sendProviderError(x.res, 'anthropic', 400, { message: req });
      sendJson(x.res, 200, { input_tokens: req.inputTokens });
    },

    models(x: Exchange): void {
      sendText(x.res, 200, ANTHROPIC_MODEL_LIST, JSON_CONTENT_TYPE);
    },
  };
}
