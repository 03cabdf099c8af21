import type {
  AssistantPart,
  ChatMessage,
  ChatRequest,
  OutputFormat,
  ReasoningConfig,
  TextPart,
  ImagePart,
  ToolChoice,
  ToolDefinition,
  UserPart,
} from '../../model';
import { checkFields, DecodeContext, FieldRules, untranslatable } from '../../shared/context';
import { parseDataUrl } from '../../shared/data-url';
import { uncarryReasoning } from '../../shared/reasoning-carrier';
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
import { decodeReasoningEffort, EMPTY_OBJECT_SCHEMA } from '../openai-chat/request.decode';

const RULES: FieldRules = {
  mapped: new Set([
    'model', 'input', 'instructions', 'tools', 'tool_choice', 'max_output_tokens', 'temperature', 'top_p', 'stream',
    'text', 'reasoning', 'parallel_tool_calls', 'user', 'safety_identifier',
  ]),
  // `store` is accepted and ignored: the gateway stores no conversation (spec/protocols.md).
  hints: new Set([
    'metadata', 'store', 'include', 'service_tier', 'prompt_cache_key', 'prompt_cache_retention', 'prompt_cache_options',
    'stream_options', 'truncation',
  ]),
  refused: new Set([
    'previous_response_id', 'conversation', 'prompt', 'background', 'max_tool_calls', 'top_logprobs',
    'context_management', 'moderation',
  ]),
  refusedWhenPresent: new Set(['conversation', 'prompt', 'moderation']),
};

/** An OpenAI Responses API request body -> ChatRequest. */
export function decodeResponsesRequest(value: unknown, ctx: DecodeContext): ChatRequest {
  const body = objectAt(value, 'body');
  checkFields(body, RULES, ctx);
  const request: ChatRequest = { system: [], messages: [], tools: [], stream: body.stream === true };
  const instructions = optionalString(body.instructions, 'instructions');
  if (instructions !== undefined) request.system.push({ type: 'text', text: instructions });
  const input = body.input;
  if (typeof input === 'string') request.messages.push({ role: 'user', content: [{ type: 'text', text: input }] });
  else if (input !== undefined && input !== null) decodeItems(arrayAt(input, 'input'), request, ctx);
  if (body.tools !== undefined && body.tools !== null) {
    request.tools = arrayAt(body.tools, 'tools').map((tool, i) => decodeTool(tool, `tools[${i}]`, ctx));
  }
  request.toolChoice = decodeToolChoice(body.tool_choice, ctx);
  request.parallelToolCalls = optionalBoolean(body.parallel_tool_calls, 'parallel_tool_calls');
  request.maxOutputTokens = optionalInteger(body.max_output_tokens, 'max_output_tokens');
  request.temperature = optionalNumber(body.temperature, 'temperature');
  request.topP = optionalNumber(body.top_p, 'top_p');
  request.user = optionalString(body.safety_identifier, 'safety_identifier') ?? optionalString(body.user, 'user');
  if (isObject(body.text)) {
    if (body.text.verbosity !== undefined && body.text.verbosity !== null) ctx.dropped.push('text.verbosity');
    request.output = decodeFormat(body.text.format);
  }
  if (isObject(body.reasoning)) request.reasoning = decodeReasoning(body.reasoning);
  return request;
}

function decodeReasoning(reasoning: Json): ReasoningConfig | undefined {
  const decoded = decodeReasoningEffort(reasoning.effort, 'reasoning.effort');
  const summary = reasoning.summary ?? reasoning.generate_summary;
  const includeThoughts = summary !== undefined && summary !== null;
  if (decoded === undefined) return includeThoughts ? { mode: 'on', includeThoughts } : undefined;
  return decoded.mode === 'on' && includeThoughts ? { ...decoded, includeThoughts } : decoded;
}

function lastMessage<R extends ChatMessage['role']>(request: ChatRequest, role: R): Extract<ChatMessage, { role: R }> {
  const last = request.messages[request.messages.length - 1];
  if (last !== undefined && last.role === role) return last as Extract<ChatMessage, { role: R }>;
  const message = { role, content: [] } as unknown as Extract<ChatMessage, { role: R }>;
  request.messages.push(message);
  return message;
}

/** Items in order; function calls and reasoning join the assistant turn they follow, outputs the tool turn. */
function decodeItems(items: unknown[], request: ChatRequest, ctx: DecodeContext): void {
  items.forEach((value, i) => {
    const path = `input[${i}]`;
    const item = objectAt(value, path);
    const type = item.type ?? 'message';
    switch (type) {
      case 'message':
        return decodeMessage(item, path, request, ctx);
      case 'function_call': {
        const id = stringAt(item.call_id, `${path}.call_id`);
        lastMessage(request, 'assistant').content.push({
          type: 'tool_call',
          id,
          name: stringAt(item.name, `${path}.name`),
          arguments: stringAt(item.arguments, `${path}.arguments`),
          thoughtSignature: thoughtSignatureOf(id),
        });
        return;
      }
      case 'function_call_output': {
        const output = item.output;
        const content: Array<TextPart | ImagePart> =
          typeof output === 'string' ? [{ type: 'text', text: output }] : contentParts(arrayAt(output, `${path}.output`), `${path}.output`, ctx);
        lastMessage(request, 'tool').content.push({ type: 'tool_result', toolCallId: stringAt(item.call_id, `${path}.call_id`), content, isError: false });
        return;
      }
      case 'reasoning': {
        const summary = Array.isArray(item.summary) ? item.summary : [];
        const text = summary.map((s, j) => stringAt(objectAt(s, `${path}.summary[${j}]`).text, `${path}.summary[${j}].text`)).join('\n\n');
        lastMessage(request, 'assistant').content.push({ type: 'reasoning', text, ...uncarryReasoning(item.encrypted_content) });
        return;
      }
      default:
        throw untranslatable(ctx, `${String(type)} input items`);
    }
  });
}

function decodeMessage(item: Json, path: string, request: ChatRequest, ctx: DecodeContext): void {
  const content = item.content;
  switch (item.role) {
    case 'system':
    case 'developer': {
      const parts = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : contentParts(arrayAt(content, `${path}.content`), `${path}.content`, ctx);
      for (const part of parts) {
        if (part.type !== 'text') throw invalid(`${path}.content`, 'text only in a system message');
        request.system.push(part);
      }
      return;
    }
    case 'user': {
      const parts: UserPart[] = typeof content === 'string' ? [{ type: 'text', text: content }] : contentParts(arrayAt(content, `${path}.content`), `${path}.content`, ctx);
      lastMessage(request, 'user').content.push(...parts);
      return;
    }
    case 'assistant': {
      const parts: AssistantPart[] = [];
      if (typeof content === 'string') parts.push({ type: 'text', text: content });
      else {
        arrayAt(content, `${path}.content`).forEach((v, j) => {
          const part = objectAt(v, `${path}.content[${j}]`);
          if (part.type === 'output_text' || part.type === 'input_text') parts.push({ type: 'text', text: stringAt(part.text, `${path}.content[${j}].text`) });
          else if (part.type === 'refusal') parts.push({ type: 'text', text: stringAt(part.refusal, `${path}.content[${j}].refusal`) });
          else throw invalid(`${path}.content[${j}].type`, "'output_text' or 'refusal'");
        });
      }
      lastMessage(request, 'assistant').content.push(...parts);
      return;
    }
    default:
      throw invalid(`${path}.role`, "one of 'user', 'assistant', 'system', 'developer'");
  }
}

function contentParts(parts: unknown[], path: string, ctx: DecodeContext): Array<TextPart | ImagePart> {
  return parts.map((value, i) => {
    const at = `${path}[${i}]`;
    const part = objectAt(value, at);
    switch (part.type) {
      case 'input_text':
        return { type: 'text', text: stringAt(part.text, `${at}.text`) };
      case 'input_image': {
        if (part.file_id !== undefined && part.file_id !== null) throw untranslatable(ctx, 'input_image by file_id');
        if (part.detail !== undefined && part.detail !== 'auto') ctx.dropped.push('input_image.detail');
        const url = stringAt(part.image_url, `${at}.image_url`);
        const data = parseDataUrl(url);
        return { type: 'image', source: data === null ? { kind: 'url', url } : { kind: 'base64', ...data } };
      }
      case 'input_file':
        throw untranslatable(ctx, 'input_file content');
      default:
        throw invalid(`${at}.type`, "one of 'input_text', 'input_image', 'input_file'");
    }
  });
}

function decodeTool(value: unknown, path: string, ctx: DecodeContext): ToolDefinition {
  const tool = objectAt(value, path);
  if (tool.type !== 'function') throw untranslatable(ctx, `${String(tool.type)} tools`);
  const definition: ToolDefinition = {
    name: stringAt(tool.name, `${path}.name`),
    parameters: tool.parameters === undefined || tool.parameters === null ? EMPTY_OBJECT_SCHEMA : objectAt(tool.parameters, `${path}.parameters`),
  };
  const description = optionalString(tool.description, `${path}.description`);
  if (description !== undefined) definition.description = description;
  const strict = optionalBoolean(tool.strict, `${path}.strict`);
  if (strict !== undefined) definition.strict = strict;
  return definition;
}

function decodeToolChoice(choice: unknown, ctx: DecodeContext): ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { type: choice };
  const named = objectAt(choice, 'tool_choice');
  if (named.type === 'function') return { type: 'tool', name: stringAt(named.name, 'tool_choice.name') };
  throw untranslatable(ctx, `tool_choice of type ${String(named.type)}`);
}

function decodeFormat(format: unknown): OutputFormat | undefined {
  if (format === undefined || format === null) return undefined;
  const f = objectAt(format, 'text.format');
  if (f.type === 'text') return undefined;
  if (f.type === 'json_object') return { type: 'json_object' };
  if (f.type !== 'json_schema') throw invalid('text.format.type', "one of 'text', 'json_object', 'json_schema'");
  const output: OutputFormat = { type: 'json_schema', name: stringAt(f.name, 'text.format.name'), schema: objectAt(f.schema, 'text.format.schema') };
  const description = optionalString(f.description, 'text.format.description');
  if (description !== undefined) output.description = description;
  const strict = optionalBoolean(f.strict, 'text.format.strict');
  if (strict !== undefined) output.strict = strict;
  return output;
}
