import { normalizeBaseUrl } from './base-url.validator';

describe(normalizeBaseUrl.name, () => {
  it.each([
    ['https://api.openai.com', 'https://api.openai.com'],
    ['https://api.openai.com/', 'https://api.openai.com'],
    ['http://127.0.0.1:3900', 'http://127.0.0.1:3900'],
    ['https://gateway.example.com/openai//', 'https://gateway.example.com/openai'],
    ['HTTPS://API.Example.com:443/v', 'https://api.example.com/v'],
  ])('%s -> %s', (text, stored) => expect(normalizeBaseUrl(text)).toBe(stored));

  it.each([
    'ftp://host',
    'api.openai.com',
    'https://user:secret@api.openai.com',
    'https://api.openai.com/?key=secret',
    'https://api.openai.com/#x',
    'https://api.openai.com/?',
    `https://a.com/${'x'.repeat(2048)}`,
  ])('refuses %s', (text) => expect(normalizeBaseUrl(text)).toBeNull());
});
