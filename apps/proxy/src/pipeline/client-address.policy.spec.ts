import { GatewayError, IpAllowlist } from '@gw/common';
import { ADDRESS_NOT_ALLOWED, addressAllowed, addressNotAllowed } from './client-address.policy';

const keyWith = (entries: string[]) => ({ allowedIps: IpAllowlist.compile(entries) });

/** The admit stage's answer to a request from `address`: null (allowed) or its 403. */
function refusal(entries: string[], address: string): GatewayError | null {
  return addressAllowed(keyWith(entries), address) ? null : addressNotAllowed();
}

describe(addressAllowed.name, () => {
  it('lets any address use a key without an allow-list', () => {
    for (const address of ['203.0.113.7', '2001:db8::1', '::ffff:10.1.2.3', '127.0.0.1']) expect(refusal([], address)).toBeNull();
  });

  it('allows listed IPv4 addresses and ranges, also when the peer is reported IPv4-mapped', () => {
    const list = ['203.0.113.7', '10.0.0.0/8'];
    for (const address of ['203.0.113.7', '10.255.0.1', '::ffff:10.1.2.3', '::ffff:203.0.113.7']) {
      expect(refusal(list, address)).toBeNull();
    }
  });

  it('allows listed IPv6 addresses and ranges', () => {
    const list = ['2001:db8::/32', 'fd00::1'];
    for (const address of ['2001:db8:ffff::1', '2001:DB8::', 'fd00::1']) expect(refusal(list, address)).toBeNull();
  });

  it('refuses every other address with a 403 permission_error, whatever its family', () => {
    const list = ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'];
    for (const address of ['203.0.113.8', '11.0.0.1', '::ffff:11.0.0.1', '2001:db9::1', '::1', 'not-an-address']) {
      expect(refusal(list, address)).toMatchObject({ status: 403, type: 'permission_error', message: ADDRESS_NOT_ALLOWED });
    }
  });

  it('fails closed on a stored entry that does not parse', () => {
    expect(refusal(['not-a-range'], '203.0.113.7')).toMatchObject({ status: 403 });
  });
});
