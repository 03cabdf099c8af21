import type Anthropic from '@anthropic-ai/sdk';
import type { AssistantPart, ChatMessage, ChatRequest, ImagePart, TextPart, ToolResultPart } from '../../model';
import { EncodeContext, untranslatable, untranslatableFeature } from '../../shared/context';
import { parseDataUrl } from '../../shared/data-url';
import { budgetForEffort, effortForBudget, modelVersion } from '../../shared/reasoning';
import { anthropicToolCallId } from '../../shared/tool-call-ids';
import { argumentsObject } from '../../shared/tool-arguments';

type Block = Anthropic.ContentBlockParam;
type Body = Omit<Anthropic.MessageCreateParamsNonStreaming, 'stream'> & {
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
};

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const MIN_THINKING_BUDGET = 1024;

/**
 * ChatRequest -> the body of an Anthropic Messages call. `max_tokens` is required by Anthropic: the model's maximum
 * output when the client gave none. Sampling parameters are sent as the client gave them (models that refuse them
 * answer with their own 400).
 */
export function encodeAnthropicRequest(request: ChatRequest, ctx: EncodeContext): Body {
  if (request.temperature !== undefined && request.temperature > 1) throw untranslatable(ctx, 'temperature above 1');
  if (request.presencePenalty !== undefined && request.presencePenalty !== 0) throw untranslatableFeature(ctx, 'presencePenalty');
  if (request.frequencyPenalty !== undefined && request.frequencyPenalty !== 0) throw untranslatableFeature(ctx, 'frequencyPenalty');
  if (request.output?.type === 'json_object') throw untranslatableFeature(ctx, 'jsonWithoutSchema');
  if (request.seed !== undefined) ctx.dropped.push('seed');

  const maxTokens = request.maxOutputTokens ?? ctx.modelMaxOutputTokens;
  const body: Body = { model: ctx.model, max_tokens: maxTokens, messages: encodeMessages(request.messages, ctx) };
  if (request.system.length > 0) {
    body.system = request.system.length === 1 ? request.system[0].text : request.system.map((p) => ({ type: 'text', text: p.text }));
  }
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) body.stop_sequences = request.stopSequences;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => {
      const encoded: Anthropic.Tool = { name: tool.name, input_schema: tool.parameters as Anthropic.Tool.InputSchema };
      if (tool.description !== undefined) encoded.description = tool.description;
      if (tool.strict !== undefined) encoded.strict = tool.strict;
      return encoded;
    });
  }
  const toolChoice = encodeToolChoice(request);
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
  const output: Anthropic.OutputConfig = {};
  if (request.output?.type === 'json_schema') output.format = { type: 'json_schema', schema: request.output.schema };
  encodeReasoning(request, body, output, ctx);
  if (output.format !== undefined || output.effort !== undefined) body.output_config = output;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.stream) body.stream = true;
  return body;
}

function encodeToolChoice(request: ChatRequest): Anthropic.ToolChoice | undefined {
  const choice = request.toolChoice;
  const serial = request.parallelToolCalls === false && request.tools.length > 0;
  if (choice === undefined) return serial ? { type: 'auto', disable_parallel_tool_use: true } : undefined;
  switch (choice.type) {
    case 'none':
      return { type: 'none' };
    case 'auto':
      return serial ? { type: 'auto', disable_parallel_tool_use: true } : { type: 'auto' };
    case 'required':
      return serial ? { type: 'any', disable_parallel_tool_use: true } : { type: 'any' };
    case 'tool':
      return serial ? { type: 'tool', name: choice.name, disable_parallel_tool_use: true } : { type: 'tool', name: choice.name };
  }
}

/**
 * Claude 4.6 and later take adaptive thinking steered by an effort level; earlier models only a token budget, which
 * must be at least 1024 and below max_tokens. A model name without a version is taken to be current (adaptive).
 */
export function usesAdaptiveThinking(model: string): boolean {
  const version = modelVersion(model);
  return version === null || version[0] > 4 || (version[0] === 4 && version[1] >= 6);
}

function encodeReasoning(request: ChatRequest, body: Body, output: Anthropic.OutputConfig, ctx: EncodeContext): void {
  const reasoning = request.reasoning;
  if (reasoning === undefined || reasoning.mode === 'off') return;
  // Anthropic refuses thinking when the turn being continued (the last assistant message, with tool calls) has no
  // thinking block to continue from, which is the case of a history written by a client that never saw one.
  const last = [...request.messages].reverse().find((m) => m.role === 'assistant');
  if (last !== undefined && continuesWithoutThinking(last.content as AssistantPart[])) {
    ctx.dropped.push('reasoning (the tool-use turn it continues has no thinking block)');
    return;
  }
  if (usesAdaptiveThinking(ctx.model)) {
    body.thinking = { type: 'adaptive' };
    const effort = reasoning.effort ?? (reasoning.budgetTokens !== undefined && reasoning.budgetTokens > 0 ? effortForBudget(reasoning.budgetTokens) : undefined);
    if (effort !== undefined) output.effort = effort === 'minimal' ? 'low' : effort;
    return;
  }
  const wanted = reasoning.budgetTokens !== undefined && reasoning.budgetTokens > 0 ? reasoning.budgetTokens : budgetForEffort(reasoning.effort ?? 'medium');
  // A smaller budget than Anthropic's minimum (a Gemini thinkingBudget of 512 is common) is raised to it: a budget is
  // a cap the model need not reach, so 1024 means the same thing, where refusing named the output limit, not the cause.
  const budget = Math.min(Math.max(wanted, MIN_THINKING_BUDGET), body.max_tokens - 1);
  if (budget < MIN_THINKING_BUDGET) throw untranslatable(ctx, `reasoning with at most ${body.max_tokens} output tokens`);
  body.thinking = { type: 'enabled', budget_tokens: budget };
}

function continuesWithoutThinking(parts: AssistantPart[]): boolean {
  const calls = parts.some((p) => p.type === 'tool_call');
  const thought = parts.some((p) => p.type === 'reasoning' && (p.signature !== undefined || p.redactedData !== undefined));
  return calls && !thought;
}

/** Tool results and the user's words that follow them share one user message, results first, as Anthropic wants. */
function encodeMessages(messages: ChatMessage[], ctx: EncodeContext): Anthropic.MessageParam[] {
  const out: Anthropic.MessageParam[] = [];
  for (const message of messages) {
    const blocks = message.role === 'assistant' ? assistantBlocks(message.content) : userBlocks(message, ctx);
    if (blocks.length === 0) continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const last = out[out.length - 1];
    if (last !== undefined && last.role === role && Array.isArray(last.content)) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  }
  return out;
}

function userBlocks(message: ChatMessage, ctx: EncodeContext): Block[] {
  if (message.role === 'tool') return message.content.map((result) => toolResultBlock(result, ctx));
  return (message.content as Array<TextPart | ImagePart>).map((part) => (part.type === 'text' ? textBlock(part) : imageBlock(part, ctx)));
}

function toolResultBlock(result: ToolResultPart, ctx: EncodeContext): Anthropic.ToolResultBlockParam {
  const block: Anthropic.ToolResultBlockParam = { type: 'tool_result', tool_use_id: anthropicToolCallId(result.toolCallId) };
  const onlyText = result.content.every((p) => p.type === 'text');
  if (result.content.length === 0) return result.isError ? { ...block, is_error: true } : block;
  if (onlyText) block.content = result.content.map((p) => (p as TextPart).text).join('');
  else block.content = result.content.map((p) => (p.type === 'text' ? textBlock(p) : imageBlock(p, ctx)));
  if (result.isError) block.is_error = true;
  return block;
}

function assistantBlocks(parts: AssistantPart[]): Block[] {
  const blocks: Block[] = [];
  for (const part of parts) {
    switch (part.type) {
      case 'text':
        // Anthropic refuses empty text blocks.
        if (part.text.length > 0) blocks.push(textBlock(part));
        break;
      case 'reasoning':
        // Only Anthropic's own signed (or redacted) thinking can go back; reasoning from elsewhere is left out.
        if (part.redactedData !== undefined) blocks.push({ type: 'redacted_thinking', data: part.redactedData });
        else if (part.signature !== undefined) blocks.push({ type: 'thinking', thinking: part.text, signature: part.signature });
        break;
      case 'tool_call':
        blocks.push({ type: 'tool_use', id: anthropicToolCallId(part.id), name: part.name, input: argumentsObject(part.arguments) });
        break;
    }
  }
  return blocks;
}

function textBlock(part: TextPart): Anthropic.TextBlockParam {
  return { type: 'text', text: part.text };
}

function imageBlock(part: ImagePart, ctx: EncodeContext): Anthropic.ImageBlockParam {
  let source = part.source;
  if (source.kind === 'url') {
    const data = parseDataUrl(source.url);
    if (data === null) return { type: 'image', source: { type: 'url', url: source.url } };
    source = { kind: 'base64', ...data };
  }
  if (!IMAGE_TYPES.has(source.mediaType)) throw untranslatable(ctx, `images of type ${source.mediaType}`);
  const mediaType = source.mediaType as Anthropic.Base64ImageSource['media_type'];
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data: source.data } };
}
