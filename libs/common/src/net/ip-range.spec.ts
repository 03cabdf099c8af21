import { formatIpRange, IpAllowlist, isPublicAddress, parseIpRange } from './ip-range';

const canonical = (entry: string) => {
  const parsed = parseIpRange(entry);
  return parsed.ok ? formatIpRange(parsed.range) : `refused: ${parsed.problem}`;
};

describe(parseIpRange.name, () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.7/32', '203.0.113.7'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:0:0:0:1/128', '2001:db8::1'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['2001:0db8:0000:0000:0001:0000:0000:0000/80', '2001:db8:0:0:1::/80'],
    ['::/0', '::/0'],
    ['::1', '::1'],
    ['fe80::/10', 'fe80::/10'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    [' 198.51.100.0/24 ', '198.51.100.0/24'],
  ])('reads %j as %j', (entry, expected) => {
    expect(canonical(entry)).toBe(expected);
  });

  it.each([
    ['10.0.0.1/8', /host bits set: the network is 10\.0\.0\.0\/8/],
    ['2001:db8::1/32', /host bits set: the network is 2001:db8::\/32/],
    ['10.0.0.0/33', /invalid prefix length \(0-32 for IPv4\)/],
    ['2001:db8::/129', /invalid prefix length \(0-128 for IPv6\)/],
    ['10.0.0.0/', /invalid prefix length/],
    ['10.0.0.0/-1', /invalid prefix length/],
    ['10.0.0.0/8/8', /invalid prefix length/],
    ['256.0.0.1', /not an IPv4 or IPv6 address/],
    ['10.0.0', /not an IPv4 or IPv6 address/],
    ['fe80::1%eth0', /not an IPv4 or IPv6 address/],
    ['example.com', /not an IPv4 or IPv6 address/],
    ['', /not an IPv4 or IPv6 address/],
  ])('refuses %j', (entry, problem) => {
    const parsed = parseIpRange(entry);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });
});

describe(IpAllowlist.name, () => {
  it('allows any address when empty', () => {
    expect(IpAllowlist.compile([]).restricted).toBe(false);
    expect(IpAllowlist.compile([]).allows('198.51.100.1')).toBe(true);
  });

  it('matches addresses and ranges of both families, IPv4-mapped IPv6 clients as their IPv4 address', () => {
    const list = IpAllowlist.compile(['203.0.113.7', '10.0.0.0/8', '2001:db8::/32']);
    expect(list.allows('203.0.113.7')).toBe(true);
    expect(list.allows('203.0.113.8')).toBe(false);
    expect(list.allows('10.255.0.1')).toBe(true);
    expect(list.allows('::ffff:10.1.2.3')).toBe(true);
    expect(list.allows('11.0.0.1')).toBe(false);
    expect(list.allows('2001:db8:ffff::1')).toBe(true);
    expect(list.allows('2001:db9::1')).toBe(false);
    expect(list.allows('not an address')).toBe(false);
  });

  it('fails closed: an entry that does not parse matches nothing, and the list still restricts', () => {
    const list = IpAllowlist.compile(['garbage']);
    expect(list.restricted).toBe(true);
    expect(list.allows('127.0.0.1')).toBe(false);
  });
});

describe(isPublicAddress.name, () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::',
    'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1', '224.0.0.1', '255.255.255.255'])(
    '%s is not public',
    (address) => {
      expect(isPublicAddress(address)).toBe(false);
    },
  );

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('is false for anything that is not an address', () => {
    expect(isPublicAddress('example.com')).toBe(false);
  });
});
