import type { Exchange, Handler } from './exchange';
import type { FailFirstRegistry } from './fail-first';
import { JSON_CONTENT_TYPE, sendText } from './http-io';
import { answerWithMarkers, failedFirst } from './marked-answer';
import { cachedWithinInput, parseMarkers, planOutput } from './markers';
import { sendProviderError } from './provider-errors';
import { InvalidRequest, readResponsesRequest } from './responses-api.request';
import { type ResponsesAnswer, ResponseJson, ResponseStream, truncatedResponse } from './responses-api.responses';
import { SSE_HEADERS, sseEvent, streamFrames } from './sse';

/** `POST /v1/responses`: OpenAI's Responses API, stateless (nothing is stored, so nothing can be looked up). */
export function createResponsesHandler(nextId: () => number, failures: FailFirstRegistry): Handler {
  return (x: Exchange): void => {
    const req = readResponsesRequest(x.body);
    if (req instanceof InvalidRequest) return sendProviderError(x.res, 'openai', 400, req.details);
    const markers = parseMarkers(req.lastUserText);
    if (failedFirst(x, 'openai', markers, failures, req.lastUserText)) return;
    answerWithMarkers(x, 'openai', markers, () => {
      const output = planOutput(markers, req.maxOutputTokens, 'reported');
      const n = nextId();
      const functionCall =
        markers.toolCall && req.toolName !== undefined
          ? { id: `fc_mock_${n}`, callId: `call_mock_${n}`, name: req.toolName }
          : undefined;
      const answer: ResponsesAnswer = {
        id: `resp_mock_${n}`,
        createdAt: Math.floor(Date.now() / 1000),
        model: req.model,
        inputTokens: req.inputTokens,
        cachedTokens: cachedWithinInput(markers, req.inputTokens),
        outputTokens: output.tokens,
        reasoningTokens: output.reasoningTokens,
        capped: output.capped,
        messageId: `msg_mock_${n}`,
        reasoningId: `rs_mock_${n}`,
        encryptedReasoning: req.encryptedReasoning,
        functionCall,
        settings: req.settings,
      };
      if (markers.invalidJson) {
        const broken = truncatedResponse(answer);
        if (!req.stream) return sendText(x.res, 200, broken, JSON_CONTENT_TYPE);
        x.res.writeHead(200, SSE_HEADERS);
        return void x.res.end(sseEvent('response.created', broken));
      }
      if (!req.stream) return sendText(x.res, 200, new ResponseJson(answer).body(), JSON_CONTENT_TYPE);
      streamFrames(x, new ResponseStream(answer), markers);
    });
  };
}
