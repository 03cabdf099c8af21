import type {
  AssistantPart,
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
    'model', 'messages', 'system', 'max_tokens', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'stream',
    'metadata', 'tools', 'tool_choice', 'thinking', 'output_config', 'output_format',
  ]),
  hints: new Set(['service_tier', 'cache_control', 'inference_geo', 'speed', 'diagnostics', 'user_profile_id', 'workspace_id']),
  refused: new Set(['container', 'mcp_servers', 'context_management', 'compaction', 'billing_policy']),
  refusedWhenPresent: new Set(['container', 'context_management', 'compaction', 'billing_policy']),
};

/** An Anthropic Messages request body -> ChatRequest. */
export function decodeAnthropicRequest(value: unknown, ctx: DecodeContext): ChatRequest {
  const body = objectAt(value, 'body');
  checkFields(body, RULES, ctx);
  const request: ChatRequest = { system: [], messages: [], tools: [], stream: body.stream === true };
  if (body.system !== undefined && body.system !== null) request.system.push(...systemParts(body.system, 'system', ctx));
  decodeMessages(arrayAt(body.messages, 'messages'), request, ctx);
  request.maxOutputTokens = optionalInteger(body.max_tokens, 'max_tokens');
  // max_tokens: 0 is Anthropic's prompt-cache pre-warming (read the prompt, generate nothing); the other providers have
  // no such call, and their limit of 0 would be taken for none: refused, rather than answered (and billed) in full.
  if (request.maxOutputTokens === 0) throw untranslatable(ctx, 'max_tokens: 0 (prompt cache pre-warming)');
  request.temperature = optionalNumber(body.temperature, 'temperature');
  request.topP = optionalNumber(body.top_p, 'top_p');
  request.topK = optionalInteger(body.top_k, 'top_k');
  if (body.stop_sequences !== undefined && body.stop_sequences !== null) {
    request.stopSequences = arrayAt(body.stop_sequences, 'stop_sequences').map((s, i) => stringAt(s, `stop_sequences[${i}]`));
  }
  if (isObject(body.metadata)) request.user = optionalString(body.metadata.user_id, 'metadata.user_id');
  if (body.tools !== undefined && body.tools !== null) {
    request.tools = arrayAt(body.tools, 'tools').map((tool, i) => decodeTool(tool, `tools[${i}]`, ctx));
  }
  decodeToolChoice(body.tool_choice, request, ctx);
  const outputConfig = body.output_config === undefined || body.output_config === null ? {} : objectAt(body.output_config, 'output_config');
  request.reasoning = decodeThinking(body.thinking, outputConfig.effort);
  const format = outputConfig.format ?? body.output_format;
  if (format !== undefined && format !== null) request.output = decodeOutputFormat(objectAt(format, 'output_config.format'));
  return request;
}

function systemParts(system: unknown, path: string, ctx: DecodeContext): TextPart[] {
  if (typeof system === 'string') return [{ type: 'text', text: system }];
  return arrayAt(system, path).map((value, i) => textBlock(objectAt(value, `${path}[${i}]`), `${path}[${i}]`, ctx));
}

function textBlock(block: Json, path: string, ctx: DecodeContext): TextPart {
  if (block.type !== 'text') throw invalid(`${path}.type`, "'text'");
  if (block.cache_control !== undefined && block.cache_control !== null) ctx.dropped.push('cache_control');
  return { type: 'text', text: stringAt(block.text, `${path}.text`) };
}

function decodeMessages(messages: unknown[], request: ChatRequest, ctx: DecodeContext): void {
  messages.forEach((value, i) => {
    const path = `messages[${i}]`;
    const message = objectAt(value, path);
    const content = message.content;
    switch (message.role) {
      case 'system':
        request.system.push(...systemParts(content, `${path}.content`, ctx));
        break;
      case 'assistant':
        request.messages.push({ role: 'assistant', content: assistantParts(content, `${path}.content`, ctx) });
        break;
      case 'user': {
        // Tool results ride in a user message in Anthropic's protocol; internally they are a tool message before it.
        const results: ToolResultPart[] = [];
        const parts: UserPart[] = [];
        if (typeof content === 'string') parts.push({ type: 'text', text: content });
        else {
          arrayAt(content, `${path}.content`).forEach((v, j) => {
            const at = `${path}.content[${j}]`;
            const block = objectAt(v, at);
            if (block.type === 'tool_result') results.push(toolResult(block, at, ctx));
            else parts.push(userPart(block, at, ctx));
          });
        }
        if (results.length > 0) request.messages.push({ role: 'tool', content: results });
        if (parts.length > 0 || results.length === 0) request.messages.push({ role: 'user', content: parts });
        break;
      }
      default:
        throw invalid(`${path}.role`, "one of 'user', 'assistant'");
    }
  });
}

function userPart(block: Json, path: string, ctx: DecodeContext): UserPart {
  switch (block.type) {
    case 'text':
      return textBlock(block, path, ctx);
    case 'image':
      return imageBlock(block, path, ctx);
    default:
      throw untranslatable(ctx, `${String(block.type)} content blocks`);
  }
}

function imageBlock(block: Json, path: string, ctx: DecodeContext): ImagePart {
  if (block.cache_control !== undefined && block.cache_control !== null) ctx.dropped.push('cache_control');
  const source = objectAt(block.source, `${path}.source`);
  if (source.type === 'base64') {
    return {
      type: 'image',
      source: { kind: 'base64', mediaType: stringAt(source.media_type, `${path}.source.media_type`), data: stringAt(source.data, `${path}.source.data`) },
    };
  }
  if (source.type === 'url') return { type: 'image', source: { kind: 'url', url: stringAt(source.url, `${path}.source.url`) } };
  throw untranslatable(ctx, `image source of type ${String(source.type)}`);
}

function toolResult(block: Json, path: string, ctx: DecodeContext): ToolResultPart {
  if (block.cache_control !== undefined && block.cache_control !== null) ctx.dropped.push('cache_control');
  const content: Array<TextPart | ImagePart> = [];
  const value = block.content;
  if (typeof value === 'string') content.push({ type: 'text', text: value });
  else if (value !== undefined && value !== null) {
    arrayAt(value, `${path}.content`).forEach((v, i) => {
      const at = `${path}.content[${i}]`;
      const part = objectAt(v, at);
      if (part.type === 'text') content.push(textBlock(part, at, ctx));
      else if (part.type === 'image') content.push(imageBlock(part, at, ctx));
      else throw untranslatable(ctx, `${String(part.type)} blocks in tool results`);
    });
  }
  return {
    type: 'tool_result',
    toolCallId: stringAt(block.tool_use_id, `${path}.tool_use_id`),
    content,
    isError: optionalBoolean(block.is_error, `${path}.is_error`) ?? false,
  };
}

function assistantParts(content: unknown, path: string, ctx: DecodeContext): AssistantPart[] {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : [];
  return arrayAt(content, path).map((value, i): AssistantPart => {
    const at = `${path}[${i}]`;
    const block = objectAt(value, at);
    switch (block.type) {
      case 'text':
        return textBlock(block, at, ctx);
      case 'thinking': {
        const signature = optionalString(block.signature, `${at}.signature`);
        const part: AssistantPart = { type: 'reasoning', text: stringAt(block.thinking, `${at}.thinking`) };
        if (signature !== undefined && signature.length > 0) part.signature = signature;
        return part;
      }
      case 'redacted_thinking':
        return { type: 'reasoning', text: '', redactedData: stringAt(block.data, `${at}.data`) };
      case 'tool_use': {
        if (block.cache_control !== undefined && block.cache_control !== null) ctx.dropped.push('cache_control');
        const id = stringAt(block.id, `${at}.id`);
        return {
          type: 'tool_call',
          id,
          name: stringAt(block.name, `${at}.name`),
          arguments: JSON.stringify(block.input ?? {}),
          thoughtSignature: thoughtSignatureOf(id),
        };
      }
      default:
        throw untranslatable(ctx, `${String(block.type)} content blocks`);
    }
  });
}

function decodeTool(value: unknown, path: string, ctx: DecodeContext): ToolDefinition {
  const tool = objectAt(value, path);
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') throw untranslatable(ctx, `${String(tool.type)} tools`);
  if (tool.cache_control !== undefined && tool.cache_control !== null) ctx.dropped.push('cache_control');
  const definition: ToolDefinition = {
    name: stringAt(tool.name, `${path}.name`),
    parameters: objectAt(tool.input_schema, `${path}.input_schema`),
  };
  const description = optionalString(tool.description, `${path}.description`);
  if (description !== undefined) definition.description = description;
  const strict = optionalBoolean(tool.strict, `${path}.strict`);
  if (strict !== undefined) definition.strict = strict;
  return definition;
}

function decodeToolChoice(value: unknown, request: ChatRequest, ctx: DecodeContext): void {
  if (value === undefined || value === null) return;
  const choice = objectAt(value, 'tool_choice');
  let decoded: ToolChoice;
  switch (choice.type) {
    case 'auto':
    case 'none':
      decoded = { type: choice.type };
      break;
    case 'any':
      decoded = { type: 'required' };
      break;
    case 'tool':
      decoded = { type: 'tool', name: stringAt(choice.name, 'tool_choice.name') };
      break;
    default:
      throw untranslatable(ctx, `tool_choice of type ${String(choice.type)}`);
  }
  request.toolChoice = decoded;
  if (choice.disable_parallel_tool_use === true) request.parallelToolCalls = false;
}

function decodeThinking(thinking: unknown, effort: unknown): ReasoningConfig | undefined {
  if (effort !== undefined && effort !== null && !isEffort(effort)) {
    throw invalid('output_config.effort', "one of 'low', 'medium', 'high', 'xhigh', 'max'");
  }
  const level = isEffort(effort) ? effort : undefined;
  if (thinking === undefined || thinking === null) return level === undefined ? undefined : { mode: 'on', effort: level };
  const config = objectAt(thinking, 'thinking');
  const includeThoughts = config.display !== 'omitted';
  switch (config.type) {
    case 'disabled':
      return { mode: 'off' };
    case 'enabled': {
      const budgetTokens = optionalInteger(config.budget_tokens, 'thinking.budget_tokens');
      if (budgetTokens === undefined) throw invalid('thinking.budget_tokens', 'an integer');
      return level === undefined ? { mode: 'on', budgetTokens, includeThoughts } : { mode: 'on', effort: level, budgetTokens, includeThoughts };
    }
    case 'adaptive':
    case 'between_tools':
      return level === undefined ? { mode: 'on', includeThoughts } : { mode: 'on', effort: level, includeThoughts };
    default:
      throw invalid('thinking.type', "one of 'enabled', 'adaptive', 'disabled'");
  }
}

function decodeOutputFormat(format: Json): OutputFormat {
  if (format.type !== 'json_schema') throw invalid('output_config.format.type', "'json_schema'");
  return { type: 'json_schema', schema: objectAt(format.schema, 'output_config.format.schema'), strict: true };
}
