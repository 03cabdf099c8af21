import { webhookUrlProblem } from './webhook-url';

describe(webhookUrlProblem.name, () => {
  it.each(['https://hooks.example.com/chuizi', 'http://hooks.example.com:8080/a?token=x', 'https://8.8.8.8/hook', 'https://[2606:4700::1]/'])(
    'accepts %s',
    (url) => {
      expect(webhookUrlProblem(url, false)).toBeNull();
    },
  );

  it.each([
    ['ftp://example.com/x', /http or https/],
    ['example.com/hook', /absolute http or https URL/],
    ['https://user:pass@example.com/', /credentials/],
    ['https://example.com/#frag', /fragment/],
    ['http://127.0.0.1:9000/hook', /loopback or private/],
    ['http://10.1.2.3/hook', /loopback or private/],
    ['http://169.254.169.254/latest/meta-data', /loopback or private/],
    ['http://[::1]:8080/', /loopback or private/],
    ['http://[::ffff:127.0.0.1]/', /loopback or private/],
    ['http://localhost:3000/', /loopback or private/],
    ['http://api.localhost./', /loopback or private/],
    [`https://example.com/${'a'.repeat(2_100)}`, /at most 2048/],
  ])('refuses %s', (url, problem) => {
    expect(webhookUrlProblem(url, false)).toMatch(problem);
  });

  it('allows loopback and private addresses when told to (the demo, tests)', () => {
    expect(webhookUrlProblem('http://127.0.0.1:9000/hook', true)).toBeNull();
    expect(webhookUrlProblem('http://localhost:9000/hook', true)).toBeNull();
    expect(webhookUrlProblem('ftp://127.0.0.1/', true)).toMatch(/http or https/);
  });
});
