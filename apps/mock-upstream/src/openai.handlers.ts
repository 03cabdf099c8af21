import { embeddingToBase64, embeddingVector } from './embedding-vector';
import type { Exchange, Handler } from './exchange';
import { JSON_CONTENT_TYPE, sendJson, sendText } from './http-io';
import type { FailFirstRegistry } from './fail-first';
import { answerWithMarkers, failedFirst } from './marked-answer';
import { cachedWithinInput, parseMarkers, planOutput } from './markers';
import { OPENAI_MODEL_LIST } from './models';
import { readChatRequest, readEmbeddingRequest } from './openai.request';
import {
  type ChatAnswer,
  ChatCompletionStream,
  chatCompletionBody,
  type EmbeddingItem,
  embeddingsBody,
  truncatedChatCompletion,
} from './openai.responses';
import { sendProviderError } from './provider-errors';
import { SSE_HEADERS, sseData, streamFrames } from './sse';

export interface OpenAiHandlers {
  readonly chatCompletions: Handler;
  readonly embeddings: Handler;
  readonly models: Handler;
}

export function createOpenAiHandlers(nextId: () => number, failures: FailFirstRegistry): OpenAiHandlers {
  return {
    chatCompletions(x: Exchange): void {
      const req = readChatRequest(x.body);
      if (typeof req === 'string') return sendProviderError(x.res, 'openai', 400, { message: req });
      const markers = parseMarkers(req.lastUserText);
      if (failedFirst(x, 'openai', markers, failures, req.lastUserText)) return;
      answerWithMarkers(x, 'openai', markers, () => {
        const output = planOutput(markers, req.maxTokens, 'reported');
        const n = nextId();
        const toolCall =
          markers.toolCall && req.toolName !== undefined ? { id: `call_mock_${n}`, name: req.toolName } : undefined;
        const answer: ChatAnswer = {
          id: `chatcmpl-mock-${n}`,
          created: Math.floor(Date.now() / 1000),
          model: req.model,
          inputTokens: req.inputTokens,
          outputTokens: output.tokens,
          cachedTokens: cachedWithinInput(markers, req.inputTokens),
          reasoningTokens: output.reasoningTokens,
          finishReason: toolCall !== undefined ? 'tool_calls' : output.capped ? 'length' : 'stop',
          toolCall,
        };
        if (markers.invalidJson) {
          const broken = truncatedChatCompletion(answer);
          if (!req.stream) return sendText(x.res, 200, broken, JSON_CONTENT_TYPE);
          x.res.writeHead(200, SSE_HEADERS);
          return void x.res.end(sseData(broken));
        }
        if (!req.stream) return sendJson(x.res, 200, chatCompletionBody(answer));
        streamFrames(x, new ChatCompletionStream(answer, req.includeUsage), markers);
      });
    },

    embeddings(x: Exchange): void {
      const req = readEmbeddingRequest(x.body);
      if (typeof req === 'string') return sendProviderError(x.res, 'openai', 400, { message: req });
      const markers = parseMarkers(req.texts[req.texts.length - 1]);
      if (failedFirst(x, 'openai', markers, failures, req.texts[req.texts.length - 1])) return;
      answerWithMarkers(x, 'openai', markers, () => {
        if (markers.invalidJson) return sendText(x.res, 200, '{"object":"list","data":[{"object":', JSON_CONTENT_TYPE);
        const data = req.texts.map((text, index): EmbeddingItem => {
          const vector = embeddingVector(text, req.dimensions);
          return { object: 'embedding', index, embedding: req.base64 ? embeddingToBase64(vector) : Array.from(vector) };
        });
        sendJson(x.res, 200, embeddingsBody(req.model, data, req.inputTokens));
      });
    },

    models(x: Exchange): void {
      sendText(x.res, 200, OPENAI_MODEL_LIST, JSON_CONTENT_TYPE);
    },
  };
}
