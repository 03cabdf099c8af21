import { bodyEncodingProblem } from './body-encoding';

describe(bodyEncodingProblem.name, () => {
  it.each([
    [{}],
    [{ 'content-type': 'application/json' }],
    [{ 'content-type': 'application/json; charset=utf-8' }],
    [{ 'content-type': 'application/json; charset="UTF8"' }],
    [{ 'content-type': 'application/json', 'content-encoding': 'identity' }],
    [{ 'content-type': 'application/json', 'content-encoding': ' Identity ' }],
  ])('reads a body sent with %j', (headers) => {
    expect(bodyEncodingProblem(headers)).toBeNull();
  });

  it.each(['gzip', 'deflate', 'br', 'gzip, identity'])('refuses Content-Encoding %s', (encoding) => {
    expect(bodyEncodingProblem({ 'content-type': 'application/json', 'content-encoding': encoding })).toBe(
      'Unsupported Content-Encoding: send the body uncompressed',
    );
  });

  it.each(['latin1', 'utf-16', '"iso-8859-1"'])('refuses charset %s', (charset) => {
    expect(bodyEncodingProblem({ 'content-type': `application/json; charset=${charset}` })).toBe(
      'Unsupported charset: send JSON in UTF-8',
    );
  });
});
