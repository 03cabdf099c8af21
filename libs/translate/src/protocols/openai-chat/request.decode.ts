import type {
  AssistantPart,
  ChatMessage,
  ChatRequest,
  ImagePart,
  OutputFormat,
  ReasoningConfig,
  TextPart,
  ToolChoice,
  ToolDefinition,
  ToolResultPart,
  UserPart,
} from '../../model';
import { checkFields, DecodeContext, FieldRules, untranslatable } from '../../shared/context';
import { parseDataUrl } from '../../shared/data-url';
import { isEffort } from '../../shared/reasoning';
import { thoughtSignatureOf } from '../../shared/tool-call-ids';
import {
  arrayAt,
  invalid,
  isObject,
  Json,
  objectAt,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalString,
  stringAt,
} from '../../shared/values';

const RULES: FieldRules = {
  mapped: new Set([
    'model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'presence_penalty',
    'frequency_penalty', 'seed', 'n', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format',
    'reasoning_effort', 'stream', 'stream_options', 'user', 'safety_identifier', 'modalities',
  ]),
  hints: new Set([
    'metadata', 'store', 'service_tier', 'prompt_cache_key', 'prompt_cache_retention', 'prompt_cache_options',
    'verbosity', 'prediction',
  ]),
  refused: new Set([
    'logit_bias', 'logprobs', 'top_logprobs', 'audio', 'web_search_options', 'moderation', 'functions', 'function_call',
  ]),
  refusedWhenPresent: new Set(['web_search_options', 'moderation']),
};

/** An OpenAI Chat Completions request body -> ChatRequest. */
export function decodeOpenAiChatRequest(value: unknown, ctx: DecodeContext): ChatRequest {
  const body = objectAt(value, 'body');
  checkFields(body, RULES, ctx);
  const n = optionalInteger(body.n, 'n');
  if (n !== undefined && n > 1) throw untranslatable(ctx, 'n > 1');
  const modalities = body.modalities === undefined || body.modalities === null ? [] : arrayAt(body.modalities, 'modalities');
  if (modalities.some((m) => m !== 'text')) throw untranslatable(ctx, 'modalities (audio output)');

  const request: ChatRequest = { system: [], messages: [], tools: [], stream: body.stream === true };
  decodeMessages(arrayAt(body.messages, 'messages'), request, ctx);
  request.maxOutputTokens =
    optionalInteger(body.max_completion_tokens, 'max_completion_tokens') ?? optionalInteger(body.max_tokens, 'max_tokens');
  request.temperature = optionalNumber(body.temperature, 'temperature');
  request.topP = optionalNumber(body.top_p, 'top_p');
  request.presencePenalty = optionalNumber(body.presence_penalty, 'presence_penalty');
  request.frequencyPenalty = optionalNumber(body.frequency_penalty, 'frequency_penalty');
  request.seed = optionalInteger(body.seed, 'seed');
  request.stopSequences = decodeStop(body.stop);
  if (body.tools !== undefined && body.tools !== null) {
    request.tools = arrayAt(body.tools, 'tools').map((tool, i) => decodeTool(tool, `tools[${i}]`, ctx));
  }
  request.toolChoice = decodeToolChoice(body.tool_choice, ctx);
  request.parallelToolCalls = optionalBoolean(body.parallel_tool_calls, 'parallel_tool_calls');
  request.output = decodeResponseFormat(body.response_format);
  request.reasoning = decodeReasoningEffort(body.reasoning_effort);
  request.user = optionalString(body.safety_identifier, 'safety_identifier') ?? optionalString(body.user, 'user');
  if (request.stream && isObject(body.stream_options)) {
    request.streamIncludeUsage = body.stream_options.include_usage === true;
  }
  return request;
}

function decodeStop(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === 'string') return [stop];
  return arrayAt(stop, 'stop').map((s, i) => stringAt(s, `stop[${i}]`));
}

function decodeMessages(messages: unknown[], request: ChatRequest, ctx: DecodeContext): void {
  const out = request.messages;
  messages.forEach((value, i) => {
    const path = `messages[${i}]`;
    const message = objectAt(value, path);
    switch (message.role) {
      case 'system':
      case 'developer':
        request.system.push(...textParts(message.content, `${path}.content`));
        break;
      case 'user':
        if (message.name !== undefined) ctx.dropped.push('name');
        out.push({ role: 'user', content: userParts(message.content, `${path}.content`, ctx) });
        break;
      case 'assistant':
        out.push({ role: 'assistant', content: assistantParts(message, path, ctx) });
        break;
      case 'tool': {
        const result: ToolResultPart = {
          type: 'tool_result',
          toolCallId: stringAt(message.tool_call_id, `${path}.tool_call_id`),
          content: textParts(message.content, `${path}.content`),
          isError: false,
        };
        const last = out[out.length - 1];
        // Consecutive tool messages answer one assistant turn: one internal tool message holds them all.
        if (last !== undefined && last.role === 'tool') last.content.push(result);
        else out.push({ role: 'tool', content: [result] });
        break;
      }
      case 'function':
        throw untranslatable(ctx, 'function messages (legacy functions API)');
      default:
        throw invalid(`${path}.role`, "one of 'system', 'developer', 'user', 'assistant', 'tool'");
    }
  });
}

function textParts(content: unknown, path: string): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return arrayAt(content, path).map((value, i) => {
    const part = objectAt(value, `${path}[${i}]`);
    if (part.type !== 'text') throw invalid(`${path}[${i}].type`, "'text'");
    return { type: 'text', text: stringAt(part.text, `${path}[${i}].text`) };
  });
}

function userParts(content: unknown, path: string, ctx: DecodeContext): UserPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return arrayAt(content, path).map((value, i) => {
    const at = `${path}[${i}]`;
    const part = objectAt(value, at);
    if (part.prompt_cache_breakpoint !== undefined) ctx.dropped.push('prompt_cache_breakpoint');
    switch (part.type) {
      case 'text':
        return { type: 'text', text: stringAt(part.text, `${at}.text`) };
      case 'image_url':
        return decodeImageUrl(objectAt(part.image_url, `${at}.image_url`), `${at}.image_url`, ctx);
      case 'input_audio':
        throw untranslatable(ctx, 'input_audio content');
      case 'file':
        throw untranslatable(ctx, 'file content');
      default:
        throw invalid(`${at}.type`, "one of 'text', 'image_url', 'input_audio', 'file'");
    }
  });
}

export function decodeImageUrl(image: Json, path: string, ctx: DecodeContext): ImagePart {
  const url = stringAt(image.url, `${path}.url`);
  if (image.detail !== undefined && image.detail !== 'auto') ctx.dropped.push('image_url.detail');
  const data = parseDataUrl(url);
  return { type: 'image', source: data === null ? { kind: 'url', url } : { kind: 'base64', ...data } };
}

function assistantParts(message: Json, path: string, ctx: DecodeContext): AssistantPart[] {
  if (message.audio !== undefined && message.audio !== null) throw untranslatable(ctx, 'assistant audio');
  if (message.function_call !== undefined && message.function_call !== null) {
    throw untranslatable(ctx, 'function_call (legacy functions API)');
  }
  const parts: AssistantPart[] = [];
  // Reasoning text as DeepSeek-style providers (and this gateway, translating) return it.
  const reasoning = optionalString(message.reasoning_content, `${path}.reasoning_content`);
  if (reasoning !== undefined && reasoning.length > 0) parts.push({ type: 'reasoning', text: reasoning });
  const content = message.content;
  if (typeof content === 'string') {
    if (content.length > 0) parts.push({ type: 'text', text: content });
  } else if (content !== undefined && content !== null) {
    arrayAt(content, `${path}.content`).forEach((value, i) => {
      const part = objectAt(value, `${path}.content[${i}]`);
      if (part.type === 'text') parts.push({ type: 'text', text: stringAt(part.text, `${path}.content[${i}].text`) });
      else if (part.type === 'refusal') {
        parts.push({ type: 'text', text: stringAt(part.refusal, `${path}.content[${i}].refusal`) });
      } else throw invalid(`${path}.content[${i}].type`, "'text' or 'refusal'");
    });
  }
  if (typeof message.refusal === 'string' && message.refusal.length > 0) parts.push({ type: 'text', text: message.refusal });
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    arrayAt(message.tool_calls, `${path}.tool_calls`).forEach((value, i) => {
      const at = `${path}.tool_calls[${i}]`;
      const call = objectAt(value, at);
      if (call.type === 'custom') throw untranslatable(ctx, 'custom tool calls');
      const fn = objectAt(call.function, `${at}.function`);
      const id = stringAt(call.id, `${at}.id`);
      parts.push({
        type: 'tool_call',
        id,
        name: stringAt(fn.name, `${at}.function.name`),
        arguments: stringAt(fn.arguments, `${at}.function.arguments`),
        thoughtSignature: thoughtSignatureOf(id),
      });
    });
  }
  return parts;
}

function decodeTool(value: unknown, path: string, ctx: DecodeContext): ToolDefinition {
  const tool = objectAt(value, path);
  if (tool.type !== 'function') throw untranslatable(ctx, `tools of type ${String(tool.type)}`);
  const fn = objectAt(tool.function, `${path}.function`);
  const parameters = fn.parameters === undefined || fn.parameters === null ? EMPTY_OBJECT_SCHEMA : objectAt(fn.parameters, `${path}.function.parameters`);
  const definition: ToolDefinition = { name: stringAt(fn.name, `${path}.function.name`), parameters };
  const description = optionalString(fn.description, `${path}.function.description`);
  if (description !== undefined) definition.description = description;
  const strict = optionalBoolean(fn.strict, `${path}.function.strict`);
  if (strict !== undefined) definition.strict = strict;
  return definition;
}

/** What a tool without parameters takes (OpenAI allows leaving them out; the others want a schema). */
export const EMPTY_OBJECT_SCHEMA: Readonly<Json> = Object.freeze({ type: 'object', properties: {} });

function decodeToolChoice(choice: unknown, ctx: DecodeContext): ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { type: choice };
  const named = objectAt(choice, 'tool_choice');
  if (named.type === 'function') {
    return { type: 'tool', name: stringAt(objectAt(named.function, 'tool_choice.function').name, 'tool_choice.function.name') };
  }
  throw untranslatable(ctx, `tool_choice of type ${String(named.type)}`);
}

function decodeResponseFormat(format: unknown): OutputFormat | undefined {
  if (format === undefined || format === null) return undefined;
  const f = objectAt(format, 'response_format');
  if (f.type === 'text') return undefined;
  if (f.type === 'json_object') return { type: 'json_object' };
  if (f.type !== 'json_schema') throw invalid('response_format.type', "one of 'text', 'json_object', 'json_schema'");
  const spec = objectAt(f.json_schema, 'response_format.json_schema');
  const output: OutputFormat = {
    type: 'json_schema',
    name: stringAt(spec.name, 'response_format.json_schema.name'),
    schema: spec.schema === undefined ? {} : objectAt(spec.schema, 'response_format.json_schema.schema'),
  };
  const description = optionalString(spec.description, 'response_format.json_schema.description');
  if (description !== undefined) output.description = description;
  const strict = optionalBoolean(spec.strict, 'response_format.json_schema.strict');
  if (strict !== undefined) output.strict = strict;
  return output;
}

export function decodeReasoningEffort(effort: unknown, path = 'reasoning_effort'): ReasoningConfig | undefined {
  if (effort === undefined || effort === null) return undefined;
  if (effort === 'none') return { mode: 'off' };
  if (!isEffort(effort)) throw invalid(path, "one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'");
  return { mode: 'on', effort };
}
