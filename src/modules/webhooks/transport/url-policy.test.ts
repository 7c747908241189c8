import { checkWebhookUrl, isRefusedAddress } from './url-policy';

// Every contract range by its first, a middle and its last address, and the IPv4 ones again IPv4-mapped.
const REFUSED_V4 = [
  ['0.0.0.0/8', '0.0.0.0', '0.1.2.3', '0.255.255.255'],
  ['10/8', '10.0.0.0', '10.20.30.40', '10.255.255.255'],
  ['100.64/10', '100.64.0.0', '100.100.100.100', '100.127.255.255'],
  ['127/8', '127.0.0.1', '127.1.2.3', '127.255.255.255'],
  ['169.254/16', '169.254.0.0', '169.254.169.254', '169.254.255.255'],
  ['172.16/12', '172.16.0.0', '172.20.1.1', '172.31.255.255'],
  ['192.168/16', '192.168.0.0', '192.168.1.1', '192.168.255.255'],
  ['198.18/15', '198.18.0.0', '198.18.200.1', '198.19.255.255'],
  ['224/3', '224.0.0.0', '239.255.255.250', '255.255.255.255'],
] as const;

const REFUSED_V6 = [
  ['::/128', '::'],
  ['::1', '::1'],
  ['fc00::/7', 'fc00::'],
  ['fc00::/7', 'fd12:3456:789a::1'],
  ['fc00::/7', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fe80::/10', 'fe80::1'],
  ['fe80::/10', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['ff00::/8', 'ff02::1'],
  ['ff00::/8', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
] as const;

// Just outside each range, and ordinary public addresses.
const ALLOWED = [
  '1.0.0.0',
  '9.255.255.255',
  '11.0.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '126.255.255.255',
  '128.0.0.0',
  '169.253.255.255',
  '169.255.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '8.8.8.8',
  '93.184.216.34',
  'fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'fe00::1',
  'fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', // fe80::/10 and fec0::/10 (site-local, refused since #27) follow
  '100:0:0:1::1', // just past 100::/64
  '192.0.1.0', // just past 192.0.0.0/24
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
];

describe('isRefusedAddress', () => {
  it.each(REFUSED_V4.flatMap(([range, ...ips]) => ips.map((ip) => [range, ip])))('%s refuses %s', (_range, ip) => {
    expect(isRefusedAddress(ip)).toBe(true);
  });

  it.each(REFUSED_V4.flatMap(([range, ...ips]) => ips.map((ip) => [range, `::ffff:${ip}`])))('%s refuses the IPv4-mapped %s', (_range, ip) => {
    expect(isRefusedAddress(ip)).toBe(true);
  });

  it('refuses, beyond the contract, 192.0.0.0/24, IPv4-translated, site-local and discard addresses', () => {
    for (const ip of ['192.0.0.192', '192.0.0.1', '::ffff:0:a9fe:a9fe', '::ffff:0:808:808', 'fec0::1', 'feff::1', '100::', '100::ffff:ffff:ffff:ffff']) {
      expect({ ip, refused: isRefusedAddress(ip) }).toEqual({ ip, refused: true });
    }
    for (const ip of ['192.0.1.1', '192.0.2.0', '100:0:0:1::1', 'fe00::1']) expect({ ip, refused: isRefusedAddress(ip) }).toEqual({ ip, refused: false });
  });

  it('refuses the mapped forms however they are written', () => {
    expect(isRefusedAddress('::ffff:7f00:1')).toBe(true);
    expect(isRefusedAddress('0:0:0:0:0:ffff:a9fe:a9fe')).toBe(true);
    expect(isRefusedAddress('[::ffff:127.0.0.1]')).toBe(true);
    expect(isRefusedAddress('fe80::1%eth0')).toBe(true);
  });

  it.each(REFUSED_V6)('%s refuses %s', (_range, ip) => {
    expect(isRefusedAddress(ip)).toBe(true);
  });

  it('refuses an internal IPv4 address embedded in NAT64, 6to4 or IPv4-compatible forms', () => {
    expect(isRefusedAddress('64:ff9b::7f00:1')).toBe(true);
    expect(isRefusedAddress('64:ff9b::169.254.169.254')).toBe(true);
    expect(isRefusedAddress('64:ff9b:1::a00:1')).toBe(true);
    expect(isRefusedAddress('2002:7f00:1::1')).toBe(true);
    expect(isRefusedAddress('2002:c0a8:101::')).toBe(true);
    expect(isRefusedAddress('::127.0.0.1')).toBe(true);
    expect(isRefusedAddress('::2')).toBe(true); // IPv4-compatible ::0.0.0.2, never routable
  });

  it.each(ALLOWED)('allows %s', (ip) => {
    expect(isRefusedAddress(ip)).toBe(false);
  });

  it('refuses what is not an address at all', () => {
    expect(isRefusedAddress('example.com')).toBe(true);
    expect(isRefusedAddress('')).toBe(true);
  });
});

describe('checkWebhookUrl', () => {
  const dev = { production: false, allowPrivateNetworks: false };
  const prod = { production: true, allowPrivateNetworks: false };
  const open = { production: true, allowPrivateNetworks: true };

  it('accepts a public https URL (and a public http one outside production), normalised', () => {
    expect(checkWebhookUrl('https://hooks.example.com/warden?x=1', prod)).toEqual({
      ok: true,
      url: 'https://hooks.example.com/warden?x=1',
    });
    expect(checkWebhookUrl('HTTP://Hooks.Example.com', dev)).toEqual({ ok: true, url: 'http://hooks.example.com/' });
    expect(checkWebhookUrl('https://8.8.8.8:8443/h', prod)).toMatchObject({ ok: true });
    expect(checkWebhookUrl('https://[2606:4700:4700::1111]/h', prod)).toMatchObject({ ok: true });
  });

  it.each([
    'http://localhost/h',
    'http://LOCALHOST:3000/h',
    'http://localhost./h',
    'http://localhost../h',
    'http://api.localhost.../h',
    'http://192.0.0.192/latest/',
    'http://[::ffff:0:7f00:1]/h',
    'http://[::ffff:0:808:808]/h',
    'http://[fec0::1]/h',
    'http://[100::1]/h',
    'http://api.localhost/h',
    'http://127.0.0.1/h',
    'http://127.1/h',
    'http://2130706433/h',
    'http://0x7f.0.0.1/h',
    'http://0177.0.0.1/h',
    'http://10.0.0.5/h',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/h',
    'http://[::ffff:127.0.0.1]/h',
    'http://[::ffff:a9fe:a9fe]/h',
    'http://[fd00::1]/h',
    'http://[fe80::1]/h',
    'http://[64:ff9b::a9fe:a9fe]/h',
    'http://0.0.0.0:8080/h',
    'http://[::]/h',
  ])('an internal URL is UNSAFE_URL: %s', (url) => {
    expect(checkWebhookUrl(url, dev)).toMatchObject({ ok: false, reason: 'UNSAFE_URL' });
  });

  it('http is UNSAFE_URL in production only', () => {
    expect(checkWebhookUrl('http://hooks.example.com/h', prod)).toMatchObject({ ok: false, reason: 'UNSAFE_URL' });
    expect(checkWebhookUrl('http://hooks.example.com/h', dev)).toMatchObject({ ok: true });
  });

  it.each([
    ['not a url', 'hooks.example.com/h'],
    ['relative', '/h'],
    ['empty', ''],
    ['ftp', 'ftp://hooks.example.com/h'],
    ['javascript', 'javascript:alert(1)'],
    ['file', 'file:///etc/passwd'],
    ['userinfo', 'https://user:pass@hooks.example.com/h'],
    ['user only', 'https://user@hooks.example.com/h'],
    ['empty userinfo', 'https://@hooks.example.com/h'],
    ['fragment', 'https://hooks.example.com/h#frag'],
    ['empty fragment', 'https://hooks.example.com/h#'],
    ['too long', `https://hooks.example.com/${'a'.repeat(2049 - 'https://hooks.example.com/'.length)}`],
  ])('%s is INVALID_URL', (_what, url) => {
    expect(checkWebhookUrl(url, dev)).toMatchObject({ ok: false, reason: 'INVALID_URL' });
    expect(checkWebhookUrl(url, open)).toMatchObject({ ok: false, reason: 'INVALID_URL' });
  });

  it('2048 characters is the limit', () => {
    const base = 'https://hooks.example.com/';
    expect(checkWebhookUrl(base + 'a'.repeat(2048 - base.length), dev)).toMatchObject({ ok: true });
  });

  it('WEBHOOK_ALLOW_PRIVATE_NETWORKS lifts the address and https rules, not the shape rules', () => {
    expect(checkWebhookUrl('http://127.0.0.1:4000/h', open)).toEqual({ ok: true, url: 'http://127.0.0.1:4000/h' });
    expect(checkWebhookUrl('http://localhost:4000/h', open)).toMatchObject({ ok: true });
    expect(checkWebhookUrl('http://u:p@localhost:4000/h', open)).toMatchObject({ ok: false, reason: 'INVALID_URL' });
  });
});
