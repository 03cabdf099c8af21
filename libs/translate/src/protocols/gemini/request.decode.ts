import type {
  AssistantPart,
  ChatRequest,
  ImagePart,
  OutputFormat,
  ReasoningConfig,
  ReasoningEffort,
  TextPart,
  ToolChoice,
  ToolDefinition,
  ToolResultPart,
  UserPart,
} from '../../model';
import { checkFields, DecodeContext, FieldRules, untranslatable } from '../../shared/context';
import { uncarryReasoning } from '../../shared/reasoning-carrier';
import {
  arrayAt,
  invalid,
  isObject,
  isSet,
  Json,
  objectAt,
  optionalInteger,
  optionalNumber,
  optionalString,
  stringAt,
} from '../../shared/values';
import { geminiSchemaToJsonSchema } from './schema';

const RULES: FieldRules = {
  mapped: new Set(['contents', 'systemInstruction', 'generationConfig', 'tools', 'toolConfig', 'model']),
  hints: new Set(['safetySettings', 'labels', 'serviceTier', 'store']),
  refused: new Set(['cachedContent', 'continuationToken']),
};

const CONFIG_RULES: FieldRules = {
  mapped: new Set([
    'maxOutputTokens', 'temperature', 'topP', 'topK', 'stopSequences', 'candidateCount', 'presencePenalty',
    'frequencyPenalty', 'seed', 'responseMimeType', 'responseSchema', 'responseJsonSchema', 'thinkingConfig',
    'responseModalities',
  ]),
  hints: new Set(['mediaResolution', 'enableEnhancedCivicAnswers', 'routingConfig', 'modelSelectionConfig']),
  refused: new Set(['responseLogprobs', 'logprobs', 'speechConfig', 'audioTimestamp', 'enableAffectiveDialog', 'imageConfig']),
};

/**
 * A Gemini generateContent body -> ChatRequest. Whether it streams is the route's (`streamGenerateContent`), not the
 * body's. Gemini calls have no ids: each gets one here, and each functionResponse takes the id of the earliest
 * unanswered call of its name (or its own `id` when the client echoed one).
 */
export function decodeGeminiRequest(value: unknown, ctx: DecodeContext, stream: boolean): ChatRequest {
  const body = objectAt(value, 'body');
  checkFields(body, RULES, ctx);
  const request: ChatRequest = { system: [], messages: [], tools: [], stream };
  if (body.systemInstruction !== undefined && body.systemInstruction !== null) {
    request.system = systemParts(body.systemInstruction);
  }
  decodeContents(arrayAt(body.contents, 'contents'), request, ctx);
  if (body.generationConfig !== undefined && body.generationConfig !== null) {
    decodeGenerationConfig(objectAt(body.generationConfig, 'generationConfig'), request, ctx);
  }
  if (body.tools !== undefined && body.tools !== null) {
    arrayAt(body.tools, 'tools').forEach((tool, i) => request.tools.push(...decodeTool(objectAt(tool, `tools[${i}]`), `tools[${i}]`, ctx)));
  }
  if (isObject(body.toolConfig)) request.toolChoice = decodeToolConfig(body.toolConfig, request.tools, ctx);
  return request;
}

function systemParts(value: unknown): TextPart[] {
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  const content = objectAt(value, 'systemInstruction');
  return arrayAt(content.parts, 'systemInstruction.parts').map((p, i) => ({
    type: 'text',
    text: stringAt(objectAt(p, `systemInstruction.parts[${i}]`).text, `systemInstruction.parts[${i}].text`),
  }));
}

function decodeContents(contents: unknown[], request: ChatRequest, ctx: DecodeContext): void {
  const unanswered = new Map<string, string[]>();
  contents.forEach((value, i) => {
    const path = `contents[${i}]`;
    const content = objectAt(value, path);
    const parts = arrayAt(content.parts, `${path}.parts`);
    if (content.role === 'model') {
      unanswered.clear();
      const assistant: AssistantPart[] = [];
      parts.forEach((p, j) => appendModelPart(assistant, modelPart(objectAt(p, `${path}.parts[${j}]`), `${path}.parts[${j}]`, `${i}_${j}`, ctx)));
      for (const part of assistant) {
        if (part.type !== 'tool_call') continue;
        const ids = unanswered.get(part.name) ?? [];
        ids.push(part.id);
        unanswered.set(part.name, ids);
      }
      request.messages.push({ role: 'assistant', content: assistant });
      return;
    }
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'function') {
      throw invalid(`${path}.role`, "'user' or 'model'");
    }
    const results: ToolResultPart[] = [];
    const user: UserPart[] = [];
    parts.forEach((p, j) => {
      const at = `${path}.parts[${j}]`;
      const part = objectAt(p, at);
      if (isObject(part.functionResponse)) results.push(functionResponse(part.functionResponse, at, unanswered, ctx));
      else user.push(userPart(part, at, ctx));
    });
    if (results.length > 0) request.messages.push({ role: 'tool', content: results });
    if (user.length > 0 || results.length === 0) request.messages.push({ role: 'user', content: user });
  });
}

function userPart(part: Json, path: string, ctx: DecodeContext): UserPart {
  if (typeof part.text === 'string') return { type: 'text', text: part.text };
  if (isObject(part.inlineData)) return inlineImage(part.inlineData, `${path}.inlineData`, ctx);
  if (isObject(part.fileData)) {
    const mimeType = optionalString(part.fileData.mimeType, `${path}.fileData.mimeType`) ?? '';
    const uri = stringAt(part.fileData.fileUri, `${path}.fileData.fileUri`);
    if (mimeType.startsWith('image/') && /^https?:\/\//.test(uri)) return { type: 'image', source: { kind: 'url', url: uri } };
    throw untranslatable(ctx, 'fileData parts (uploaded files)');
  }
  throw untranslatable(ctx, `parts with ${Object.keys(part).join(', ') || 'no content'}`);
}

function inlineImage(data: Json, path: string, ctx: DecodeContext): ImagePart {
  const mediaType = stringAt(data.mimeType, `${path}.mimeType`);
  if (!mediaType.startsWith('image/')) throw untranslatable(ctx, `inlineData of type ${mediaType}`);
  return { type: 'image', source: { kind: 'base64', mediaType, data: stringAt(data.data, `${path}.data`) } };
}

/**
 * A streamed answer kept as the client received it has a part per chunk: consecutive text parts are one text, and
 * consecutive thought parts one piece of reasoning (whose signature came in the last chunk).
 */
function appendModelPart(parts: AssistantPart[], part: AssistantPart): void {
  const last = parts[parts.length - 1];
  if (last !== undefined && last.type === 'text' && part.type === 'text') last.text += part.text;
  else if (last !== undefined && last.type === 'reasoning' && part.type === 'reasoning' && last.signature === undefined && last.redactedData === undefined) {
    last.text += part.text;
    if (part.signature !== undefined) last.signature = part.signature;
    if (part.redactedData !== undefined) last.redactedData = part.redactedData;
  } else parts.push(part);
}

function modelPart(part: Json, path: string, synthetic: string, ctx: DecodeContext): AssistantPart {
  if (isObject(part.functionCall)) {
    const call = part.functionCall;
    const tool: AssistantPart = {
      type: 'tool_call',
      id: optionalString(call.id, `${path}.functionCall.id`) ?? `call_g${synthetic}`,
      name: stringAt(call.name, `${path}.functionCall.name`),
      arguments: JSON.stringify(call.args ?? {}),
    };
    if (typeof part.thoughtSignature === 'string') tool.thoughtSignature = part.thoughtSignature;
    return tool;
  }
  if (typeof part.text === 'string') {
    if (part.thought === true) return { type: 'reasoning', text: part.text, ...uncarryReasoning(part.thoughtSignature) };
    return { type: 'text', text: part.text };
  }
  throw untranslatable(ctx, `model parts with ${Object.keys(part).join(', ') || 'no content'}`);
}

function functionResponse(response: Json, path: string, unanswered: Map<string, string[]>, ctx: DecodeContext): ToolResultPart {
  const name = stringAt(response.name, `${path}.functionResponse.name`);
  const id = optionalString(response.id, `${path}.functionResponse.id`) ?? unanswered.get(name)?.shift() ?? `call_g_${name}`;
  const payload = isObject(response.response) ? response.response : {};
  const content: Array<TextPart | ImagePart> = [];
  // Gemini's convention: `output` holds the result, `error` a failure; any other object is the result itself.
  const keys = Object.keys(payload);
  const isError = keys.length === 1 && keys[0] === 'error';
  const single = keys.length === 1 && (keys[0] === 'output' || isError) ? payload[keys[0]] : payload;
  content.push({ type: 'text', text: typeof single === 'string' ? single : JSON.stringify(single) });
  if (Array.isArray(response.parts)) {
    response.parts.forEach((p, i) => {
      const part = objectAt(p, `${path}.functionResponse.parts[${i}]`);
      if (!isObject(part.inlineData)) throw untranslatable(ctx, 'functionResponse parts other than inlineData');
      content.push(inlineImage(part.inlineData, `${path}.functionResponse.parts[${i}].inlineData`, ctx));
    });
  }
  return { type: 'tool_result', toolCallId: id, name, content, isError };
}

function decodeGenerationConfig(config: Json, request: ChatRequest, ctx: DecodeContext): void {
  checkFields(config, CONFIG_RULES, ctx);
  const candidates = optionalInteger(config.candidateCount, 'generationConfig.candidateCount');
  if (candidates !== undefined && candidates > 1) throw untranslatable(ctx, 'candidateCount > 1');
  if (Array.isArray(config.responseModalities) && config.responseModalities.some((m) => m !== 'TEXT')) {
    throw untranslatable(ctx, 'responseModalities other than TEXT');
  }
  request.maxOutputTokens = optionalInteger(config.maxOutputTokens, 'generationConfig.maxOutputTokens');
  request.temperature = optionalNumber(config.temperature, 'generationConfig.temperature');
  request.topP = optionalNumber(config.topP, 'generationConfig.topP');
  request.topK = optionalInteger(config.topK, 'generationConfig.topK');
  request.presencePenalty = optionalNumber(config.presencePenalty, 'generationConfig.presencePenalty');
  request.frequencyPenalty = optionalNumber(config.frequencyPenalty, 'generationConfig.frequencyPenalty');
  request.seed = optionalInteger(config.seed, 'generationConfig.seed');
  if (config.stopSequences !== undefined && config.stopSequences !== null) {
    request.stopSequences = arrayAt(config.stopSequences, 'generationConfig.stopSequences').map((s, i) =>
      stringAt(s, `generationConfig.stopSequences[${i}]`),
    );
  }
  request.output = decodeOutput(config, ctx);
  if (config.thinkingConfig !== undefined && config.thinkingConfig !== null) {
    request.reasoning = decodeThinking(objectAt(config.thinkingConfig, 'generationConfig.thinkingConfig'));
  }
}

function decodeOutput(config: Json, ctx: DecodeContext): OutputFormat | undefined {
  const mimeType = optionalString(config.responseMimeType, 'generationConfig.responseMimeType');
  const jsonSchema = config.responseJsonSchema;
  const schema = isSet(jsonSchema) ? objectAt(jsonSchema, 'generationConfig.responseJsonSchema') : isSet(config.responseSchema) ? geminiSchemaToJsonSchema(config.responseSchema) : undefined;
  if (mimeType === undefined || mimeType === 'text/plain') {
    if (schema !== undefined) throw invalid('generationConfig.responseMimeType', "'application/json' with a response schema");
    return undefined;
  }
  if (mimeType !== 'application/json') throw untranslatable(ctx, `responseMimeType ${mimeType}`);
  return schema === undefined ? { type: 'json_object' } : { type: 'json_schema', schema };
}

const LEVELS: Record<string, ReasoningEffort> = { MINIMAL: 'minimal', LOW: 'low', MEDIUM: 'medium', HIGH: 'high', XHIGH: 'xhigh' };

function decodeThinking(config: Json): ReasoningConfig | undefined {
  const includeThoughts = config.includeThoughts === true;
  const budget = optionalInteger(config.thinkingBudget, 'generationConfig.thinkingConfig.thinkingBudget');
  const level = optionalString(config.thinkingLevel, 'generationConfig.thinkingConfig.thinkingLevel');
  if (level !== undefined && level !== 'THINKING_LEVEL_UNSPECIFIED') {
    const effort = LEVELS[level];
    if (effort === undefined) throw invalid('generationConfig.thinkingConfig.thinkingLevel', 'a thinking level');
    return { mode: 'on', effort, includeThoughts };
  }
  if (budget === 0) return { mode: 'off' };
  // -1 is Gemini's dynamic thinking: the model decides.
  if (budget !== undefined && budget > 0) return { mode: 'on', budgetTokens: budget, includeThoughts };
  return budget === -1 || includeThoughts ? { mode: 'on', includeThoughts } : undefined;
}

function decodeTool(tool: Json, path: string, ctx: DecodeContext): ToolDefinition[] {
  const definitions: ToolDefinition[] = [];
  for (const key in tool) {
    if (key !== 'functionDeclarations') {
      // An empty object turns a built-in tool on (`googleSearch: {}`).
      if (tool[key] !== undefined && tool[key] !== null) throw untranslatable(ctx, `${key} tools`);
      continue;
    }
    arrayAt(tool.functionDeclarations, `${path}.functionDeclarations`).forEach((value, i) => {
      const at = `${path}.functionDeclarations[${i}]`;
      const fn = objectAt(value, at);
      const parameters = isSet(fn.parametersJsonSchema)
        ? objectAt(fn.parametersJsonSchema, `${at}.parametersJsonSchema`)
        : isSet(fn.parameters)
          ? geminiSchemaToJsonSchema(fn.parameters)
          : { type: 'object', properties: {} };
      const definition: ToolDefinition = { name: stringAt(fn.name, `${at}.name`), parameters };
      const description = optionalString(fn.description, `${at}.description`);
      if (description !== undefined) definition.description = description;
      definitions.push(definition);
    });
  }
  return definitions;
}

function decodeToolConfig(config: Json, tools: ToolDefinition[], ctx: DecodeContext): ToolChoice | undefined {
  if (!isObject(config.functionCallingConfig)) return undefined;
  const calling = config.functionCallingConfig;
  const allowed = calling.allowedFunctionNames === undefined ? [] : arrayAt(calling.allowedFunctionNames, 'toolConfig.functionCallingConfig.allowedFunctionNames');
  switch (calling.mode) {
    case undefined:
    case 'MODE_UNSPECIFIED':
    case 'AUTO':
      return { type: 'auto' };
    case 'NONE':
      return { type: 'none' };
    case 'ANY':
      if (allowed.length === 1) return { type: 'tool', name: stringAt(allowed[0], 'toolConfig.functionCallingConfig.allowedFunctionNames[0]') };
      if (allowed.length === 0 || tools.every((t) => allowed.includes(t.name))) return { type: 'required' };
      throw untranslatable(ctx, 'allowedFunctionNames (a subset of the declared functions)');
    default:
      throw untranslatable(ctx, `functionCallingConfig mode ${String(calling.mode)}`);
  }
}
