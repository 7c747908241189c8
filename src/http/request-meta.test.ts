import { clientIp } from './request-meta';

describe('clientIp: the socket address, or X-Forwarded-For only as far as TRUST_PROXY hops allow', () => {
  test('TRUST_PROXY=0 ignores X-Forwarded-For entirely (any client can write it)', () => {
    expect(clientIp('203.0.113.9', '1.2.3.4', 0)).toBe('203.0.113.9');
    expect(clientIp('203.0.113.9', '1.2.3.4, 5.6.7.8', 0)).toBe('203.0.113.9');
    expect(clientIp('203.0.113.9', undefined, 0)).toBe('203.0.113.9');
  });

  test('TRUST_PROXY=1 takes the address the one trusted proxy appended (the last entry)', () => {
    // The proxy (socket peer 10.0.0.1) appended what it saw; anything before it came from the client.
    expect(clientIp('10.0.0.1', '198.51.100.7', 1)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', 'spoofed-by-client, 198.51.100.7', 1)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', '6.6.6.6, 7.7.7.7, 198.51.100.7', 1)).toBe('198.51.100.7');
  });

  test('TRUST_PROXY=2 (CDN in front of a load balancer) takes the second entry from the right', () => {
    expect(clientIp('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.1', 2)).toBe('198.51.100.7');
  });

  test('several X-Forwarded-For headers are read as one list', () => {
    expect(clientIp('10.0.0.1', ['6.6.6.6', '198.51.100.7'], 1)).toBe('198.51.100.7');
  });

  test('with fewer entries than trusted hops, the leftmost entry is the best there is', () => {
    expect(clientIp('10.0.0.2', '198.51.100.7', 3)).toBe('198.51.100.7');
  });

  test('without a header the socket address stands, whatever TRUST_PROXY says', () => {
    expect(clientIp('10.0.0.1', undefined, 2)).toBe('10.0.0.1');
    expect(clientIp('10.0.0.1', '', 1)).toBe('10.0.0.1');
    expect(clientIp(undefined, undefined, 0)).toBeNull();
  });
});
