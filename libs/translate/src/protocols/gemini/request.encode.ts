import { InvalidRequestError } from '../../errors';
import type { ChatMessage, ChatRequest, ImagePart, ReasoningConfig, ToolResultPart } from '../../model';
import { EncodeContext, untranslatable, untranslatableFeature } from '../../shared/context';
import { parseDataUrl } from '../../shared/data-url';
import { budgetForEffort, effortForBudget, modelVersion } from '../../shared/reasoning';
import { argumentsObject } from '../../shared/tool-arguments';
import type { GeminiContent, GeminiGenerationConfig, GeminiPart, GeminiRequest } from './wire';

const MAX_STOP_SEQUENCES = 5;

/**
 * ChatRequest -> the body of a Gemini generateContent call (the model and streaming are in the URL). Tool schemas
 * go as JSON Schema (`parametersJsonSchema`, `responseJsonSchema`), which Gemini takes as is; a call's result is
 * matched to its call by name, and a call carries back its thought signature.
 */
export function encodeGeminiRequest(request: ChatRequest, ctx: EncodeContext): GeminiRequest {
  if (request.parallelToolCalls === false && request.tools.length > 0) throw untranslatableFeature(ctx, 'serialToolCalls');
  if (request.stopSequences !== undefined && request.stopSequences.length > MAX_STOP_SEQUENCES) {
    throw untranslatable(ctx, `more than ${MAX_STOP_SEQUENCES} stop sequences`);
  }
  if (request.user !== undefined) ctx.dropped.push('user');
  const body: GeminiRequest = { contents: encodeContents(request.messages, ctx) };
  if (request.system.length > 0) body.systemInstruction = { parts: request.system.map((p) => ({ text: p.text })) };
  if (request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) =>
          tool.description === undefined
            ? { name: tool.name, parametersJsonSchema: tool.parameters }
            : { name: tool.name, description: tool.description, parametersJsonSchema: tool.parameters },
        ),
      },
    ];
  }
  const choice = request.toolChoice;
  if (choice !== undefined) {
    body.toolConfig = {
      functionCallingConfig:
        choice.type === 'tool'
          ? { mode: 'ANY', allowedFunctionNames: [choice.name] }
          : { mode: choice.type === 'auto' ? 'AUTO' : choice.type === 'none' ? 'NONE' : 'ANY' },
    };
  }
  const config = generationConfig(request, ctx.model);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return body;
}

function generationConfig(request: ChatRequest, model: string): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.maxOutputTokens !== undefined) config.maxOutputTokens = request.maxOutputTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) config.stopSequences = request.stopSequences;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.output !== undefined) {
    config.responseMimeType = 'application/json';
    if (request.output.type === 'json_schema') config.responseJsonSchema = request.output.schema;
  }
  if (request.reasoning !== undefined) config.thinkingConfig = thinkingConfig(request.reasoning, model);
  return config;
}

const LEVEL = { minimal: 'MINIMAL', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', xhigh: 'XHIGH', max: 'XHIGH' } as const;

/** Gemini 3 and later take a thinking level; Gemini 2.x a token budget (0 turns thinking off, -1 lets it decide). */
function thinkingConfig(reasoning: ReasoningConfig, model: string): NonNullable<GeminiGenerationConfig['thinkingConfig']> {
  const version = modelVersion(model);
  const byLevel = version === null || version[0] >= 3;
  if (reasoning.mode === 'off') return byLevel ? { thinkingLevel: 'MINIMAL' } : { thinkingBudget: 0 };
  const config: NonNullable<GeminiGenerationConfig['thinkingConfig']> = {};
  if (byLevel) {
    const effort = reasoning.effort ?? (reasoning.budgetTokens !== undefined ? effortForBudget(reasoning.budgetTokens) : undefined);
    if (effort !== undefined) config.thinkingLevel = LEVEL[effort];
  } else {
    config.thinkingBudget = reasoning.budgetTokens ?? (reasoning.effort !== undefined ? budgetForEffort(reasoning.effort) : -1);
  }
  if (reasoning.includeThoughts === true) config.includeThoughts = true;
  return config;
}

function encodeContents(messages: ChatMessage[], ctx: EncodeContext): GeminiContent[] {
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  const callPositions = new Map<string, number>();
  for (const message of messages) {
    const parts: GeminiPart[] = [];
    if (message.role === 'assistant') {
      for (const part of message.content) {
        if (part.type === 'text') {
          if (part.text.length > 0) parts.push({ text: part.text });
        } else if (part.type === 'tool_call') {
          callNames.set(part.id, part.name);
          callPositions.set(part.id, callPositions.size);
          const call: GeminiPart = { functionCall: { name: part.name, args: argumentsObject(part.arguments) } };
          if (part.thoughtSignature !== undefined) call.thoughtSignature = part.thoughtSignature;
          parts.push(call);
        }
        // Reasoning of earlier turns is not sent back: Gemini only needs the calls' thought signatures.
      }
    } else if (message.role === 'tool') {
      const images: GeminiPart[] = [];
      for (const result of inCallOrder(message.content, callPositions)) {
        const name = result.name ?? callNames.get(result.toolCallId);
        if (name === undefined) throw new InvalidRequestError(`A tool result refers to an unknown tool call id: ${result.toolCallId}`);
        let text = '';
        for (const part of result.content) {
          if (part.type === 'text') text += part.text;
          else images.push(imagePart(part, ctx));
        }
        parts.push({ functionResponse: { name, response: result.isError ? { error: text } : { output: text } } });
      }
      // Images a tool returned follow its response in the same turn, where Gemini 2.x and 3 both read them.
      parts.push(...images);
    } else {
      for (const part of message.content) parts.push(part.type === 'text' ? { text: part.text } : imagePart(part, ctx));
    }
    if (parts.length === 0) continue;
    const role = message.role === 'assistant' ? 'model' : 'user';
    const last = contents[contents.length - 1];
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  }
  return contents;
}

/**
 * Gemini pairs a turn's functionResponse parts with the calls before them by name and order, where the other protocols
 * match results by id, in any order: sent as they came, two results of one function would swap. Stable: results of
 * unknown calls keep their place after the known ones.
 */
function inCallOrder(results: ToolResultPart[], callPositions: ReadonlyMap<string, number>): ToolResultPart[] {
  const position = (result: ToolResultPart) => callPositions.get(result.toolCallId) ?? callPositions.size;
  return [...results].sort((a, b) => position(a) - position(b));
}

/** Gemini takes images inline (or uploaded to its Files API), never by URL: a URL other than data: is untranslatable. */
function imagePart(part: ImagePart, ctx: EncodeContext): GeminiPart {
  const source = part.source;
  if (source.kind === 'base64') return { inlineData: { mimeType: source.mediaType, data: source.data } };
  const data = parseDataUrl(source.url);
  if (data === null) throw untranslatable(ctx, 'image URLs (Gemini takes inline image data only)');
  return { inlineData: { mimeType: data.mediaType, data: data.data } };
}
