import { CONSOLE_CONTENT_SECURITY_POLICY, renderConsolePage } from './console-page';

describe(renderConsolePage.name, () => {
  const built = '<!doctype html><html><head><title>Console</title></head><body><div id="root"></div></body></html>';

  it('adds the run-time settings as meta tags at the end of <head>', () => {
    expect(renderConsolePage(built, { defaultRpm: 75 })).toBe(
      '<!doctype html><html><head><title>Console</title><meta name="chuizi-default-rpm" content="75"></head>' +
        '<body><div id="root"></div></body></html>',
    );
  });

  it('refuses a page without a head rather than serve a console that cannot read its settings', () => {
    expect(() => renderConsolePage('<html><body></body></html>', { defaultRpm: 60 })).toThrow(/<\/head>/);
  });

  it('allows no inline or foreign script and no framing', () => {
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONSOLE_CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe/);
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain("connect-src 'self'");
  });
});
