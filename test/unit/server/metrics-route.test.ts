import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../../src/server/metrics-route.js';

describe('which callers /metrics counts as on this machine (no WARDEN_METRICS_KEY)', () => {
  it('takes 127.0.0.0/8 and ::1, written either way', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) expect(isLoopback(address), address).toBe(true);
  });

  it('refuses every other address, and addresses that only carry a loopback one inside', () => {
    for (const address of ['10.0.0.1', '192.168.1.2', '::', '0.0.0.0', 'fe80::1', '::ffff:10.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::1', '::127.0.0.1', 'localhost', '', undefined]) {
      expect(isLoopback(address), String(address)).toBe(false);
    }
  });
});
