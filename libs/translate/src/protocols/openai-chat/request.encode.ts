import type OpenAI from 'openai';
import type { ChatMessage, ChatRequest, ImagePart, TextPart, ToolResultPart } from '../../model';
import { EncodeContext, untranslatable, untranslatableFeature } from '../../shared/context';
import { toDataUrl } from '../../shared/data-url';
import { effortForBudget } from '../../shared/reasoning';
import { openAiToolCallId } from '../../shared/tool-call-ids';

type Message = OpenAI.ChatCompletionMessageParam;
type ContentPart = OpenAI.ChatCompletionContentPart;

/** ChatRequest -> the body of an OpenAI Chat Completions call. */
export function encodeOpenAiChatRequest(request: ChatRequest, ctx: EncodeContext): OpenAI.ChatCompletionCreateParams {
  if (request.topK !== undefined) throw untranslatableFeature(ctx, 'topK');
  const body: Omit<OpenAI.ChatCompletionCreateParams, 'stream'> & { stream?: boolean } = { model: ctx.model, messages: encodeMessages(request) };
  if (request.maxOutputTokens !== undefined) body.max_completion_tokens = request.maxOutputTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) body.stop = request.stopSequences;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => {
      const fn: OpenAI.FunctionDefinition = { name: tool.name, parameters: tool.parameters };
      if (tool.description !== undefined) fn.description = tool.description;
      if (tool.strict !== undefined) fn.strict = tool.strict;
      return { type: 'function', function: fn };
    });
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.toolChoice !== undefined) {
    const choice = request.toolChoice;
    body.tool_choice = choice.type === 'tool' ? { type: 'function', function: { name: choice.name } } : choice.type;
  }
  if (request.output !== undefined) {
    const output = request.output;
    if (output.type === 'json_object') body.response_format = { type: 'json_object' };
    else {
      const schema: OpenAI.ResponseFormatJSONSchema['json_schema'] = { name: output.name ?? 'response', schema: output.schema };
      if (output.description !== undefined) schema.description = output.description;
      if (output.strict !== undefined) schema.strict = output.strict;
      body.response_format = { type: 'json_schema', json_schema: schema };
    }
  }
  const reasoning = request.reasoning;
  if (reasoning !== undefined && reasoning.mode === 'on') {
    body.reasoning_effort =
      reasoning.effort ?? (reasoning.budgetTokens !== undefined && reasoning.budgetTokens > 0 ? effortForBudget(reasoning.budgetTokens) : 'medium');
  }
  if (request.user !== undefined) body.user = request.user;
  if (request.stream) {
    body.stream = true;
    // The gateway bills on the provider's usage, which OpenAI only streams when asked.
    body.stream_options = { include_usage: true };
  }
  return body as OpenAI.ChatCompletionCreateParams;
}

function encodeMessages(request: ChatRequest): Message[] {
  const messages: Message[] = [];
  if (request.system.length > 0) {
    messages.push({ role: 'system', content: request.system.length === 1 ? request.system[0].text : request.system.map(textPart) });
  }
  for (const message of request.messages) encodeMessage(message, messages);
  return messages;
}

function encodeMessage(message: ChatMessage, out: Message[]): void {
  switch (message.role) {
    case 'user': {
      const parts = message.content;
      if (parts.length === 1 && parts[0].type === 'text') out.push({ role: 'user', content: parts[0].text });
      else out.push({ role: 'user', content: parts.map((p) => (p.type === 'text' ? textPart(p) : imagePart(p))) });
      return;
    }
    case 'assistant': {
      let text = '';
      const calls: OpenAI.ChatCompletionMessageFunctionToolCall[] = [];
      for (const part of message.content) {
        if (part.type === 'text') text += part.text;
        else if (part.type === 'tool_call') {
          calls.push({ id: openAiToolCallId(part.id), type: 'function', function: { name: part.name, arguments: part.arguments } });
        }
        // Reasoning of an earlier turn has no place in a chat completions request; the model does not need it.
      }
      const assistant: OpenAI.ChatCompletionAssistantMessageParam = { role: 'assistant', content: text.length > 0 ? text : null };
      if (calls.length > 0) assistant.tool_calls = calls;
      out.push(assistant);
      return;
    }
    case 'tool':
      encodeToolResults(message.content, out);
  }
}

/**
 * A tool message carries text only: images a tool returned follow in one user message after the tool messages,
 * each introduced by the id of the call that returned it, so the model still sees them and knows where they belong.
 */
function encodeToolResults(results: ToolResultPart[], out: Message[]): void {
  const images: ContentPart[] = [];
  for (const result of results) {
    const id = openAiToolCallId(result.toolCallId);
    let text = '';
    for (const part of result.content) {
      if (part.type === 'text') text += part.text;
      else {
        if (!images.some((p) => p.type === 'text' && p.text.endsWith(id))) {
          images.push({ type: 'text', text: `Images returned by tool call ${id}` });
        }
        images.push(imagePart(part));
      }
    }
    // OpenAI has no error flag on a tool result: the text says it, as the model would read it from the flag.
    out.push({ role: 'tool', tool_call_id: id, content: result.isError ? `Error: ${text}` : text });
  }
  if (images.length > 0) out.push({ role: 'user', content: images });
}

function textPart(part: TextPart): OpenAI.ChatCompletionContentPartText {
  return { type: 'text', text: part.text };
}

function imagePart(part: ImagePart): OpenAI.ChatCompletionContentPartImage {
  const source = part.source;
  return { type: 'image_url', image_url: { url: source.kind === 'url' ? source.url : toDataUrl(source.mediaType, source.data) } };
}
