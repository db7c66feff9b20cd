import { httpSendFailure, isInDoubt, lostAfterHandOver } from '../../src/transports/hand-over.js';
import { DeliveryError } from '../../src/transports/transport.js';

describe('whether a failed send had been handed over', () => {
  const network = new DeliveryError('transient', 'network error', { code: 'ECONNRESET' });

  test.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])(
    'HTTP %s: no connection was made, nothing handed over: retried as before',
    (code) => {
      expect(isInDoubt(httpSendFailure(network, code))).toBe(false);
    },
  );

  test.each(['ECONNRESET', 'ETIMEDOUT', 'UND_ERR_SOCKET', undefined])(
    'HTTP %s after connecting: the request may have reached the server: in doubt',
    (code) => {
      const failure = httpSendFailure(network, code);
      expect(isInDoubt(failure)).toBe(true);
      expect(failure.kind).toBe('transient');
      expect(failure.message).toContain('after the message was handed over');
      expect(failure.details.code).toBe('ECONNRESET');
    },
  );

  test('a failure that came with a server reply is never in doubt unless a transport says so', () => {
    expect(isInDoubt(new DeliveryError('transient', '451 4.3.0', { code: '451' }))).toBe(false);
    expect(isInDoubt(lostAfterHandOver(new DeliveryError('transient', 'Timeout', { code: 'ETIMEDOUT' })))).toBe(true);
  });
});
