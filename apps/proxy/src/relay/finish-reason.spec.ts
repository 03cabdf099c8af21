import { anthropicFinishReason, chatFinishReason, geminiFinishReason, responseFinishReason } from './finish-reason';

describe('finish reasons', () => {
  it("reads each protocol's stop reason where it puts it", () => {
    expect(chatFinishReason([{ index: 0, finish_reason: null }, { index: 1, finish_reason: 'length' }])).toBe('length');
    expect(responseFinishReason({ status: 'completed', incomplete_details: null })).toBe('completed');
    expect(responseFinishReason({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } })).toBe('max_output_tokens');
    expect(anthropicFinishReason('tool_use')).toBe('tool_use');
    expect(geminiFinishReason([{ content: {}, finishReason: 'MAX_TOKENS' }])).toBe('MAX_TOKENS');
  });

  it('is null where the answer carries none', () => {
    expect(chatFinishReason([{ delta: { content: 'x' }, finish_reason: null }])).toBeNull();
    expect(chatFinishReason(undefined)).toBeNull();
    expect(responseFinishReason(null)).toBeNull();
    expect(anthropicFinishReason('')).toBeNull();
    expect(geminiFinishReason([{ content: {} }])).toBeNull();
  });
});
