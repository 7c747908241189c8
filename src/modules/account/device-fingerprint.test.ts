import { networkOf, userAgentFamily } from './device-fingerprint';

describe('new-device fingerprint parts', () => {
  test('user agent family: browser and operating system, no version', () => {
    const chromeWin = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    expect(userAgentFamily(chromeWin)).toBe('Chrome on Windows');
    expect(userAgentFamily(chromeWin.replace('120.0.0.0', '121.0.1.2'))).toBe('Chrome on Windows');
    expect(userAgentFamily('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15')).toBe(
      'Safari on macOS',
    );
    expect(userAgentFamily('Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0')).toBe('Firefox on Linux');
    expect(userAgentFamily('curl/8.4.0')).toBe('curl');
    expect(userAgentFamily(null)).toBe('Unknown client');
  });

  test('network: IPv4 /24, IPv6 /48, IPv4-mapped addresses as IPv4', () => {
    expect(networkOf('203.0.113.9')).toBe('203.0.113.0/24');
    expect(networkOf('203.0.113.200')).toBe(networkOf('203.0.113.9'));
    expect(networkOf('203.0.114.9')).not.toBe(networkOf('203.0.113.9'));
    expect(networkOf('::ffff:203.0.113.9')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkOf('2001:0db8:abcd:ffff::9')).toBe(networkOf('2001:db8:abcd:12::1'));
    expect(networkOf('2001:db8:abce::1')).not.toBe(networkOf('2001:db8:abcd::1'));
    expect(networkOf(null)).toBe('unknown');
  });
});
