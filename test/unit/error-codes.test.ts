/** The codes along `error.cause`, and the one list of codes that mean no request reached the server. */
import { certificateCodes, errorCodes, neverConnectedCodes, systemCode, unreachableCodes } from '../../src/transports/error-codes.js';
import { httpSendFailure, isInDoubt } from '../../src/transports/hand-over.js';
import { DeliveryError } from '../../src/transports/transport.js';

/** fetch's "fetch failed" TypeError, its cause the socket's error. */
const fetchFailed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });

describe('the cause walk', () => {
  test("every code outermost first, nodemailer's own before the system's it kept, each once", () => {
    const wrapped = Object.assign(new Error('connect ECONNREFUSED'), {
      code: 'ESOCKET',
      originalCode: 'ECONNREFUSED',
      cause: Object.assign(new Error('inner'), { code: 'ECONNREFUSED' }),
    });
    expect(errorCodes(wrapped)).toEqual(['ESOCKET', 'ECONNREFUSED']);
    expect(errorCodes('not an error')).toEqual([]);
  });

  test('a cause that names itself ends the walk', () => {
    const loop: { code: string; cause?: unknown } = { code: 'ECONNRESET' };
    loop.cause = loop;
    expect(errorCodes(loop)).toEqual(['ECONNRESET']);
    expect(systemCode(loop)).toBe('ECONNRESET');
  });

  test("the system's code is the first E… code along the chain (fetch keeps it on its cause)", () => {
    expect(systemCode(fetchFailed({ code: 'ENOTFOUND' }))).toBe('ENOTFOUND');
    expect(systemCode(Object.assign(new Error('timed out'), { code: 23, cause: { code: 'ECONNRESET' } }))).toBe('ECONNRESET');
    expect(systemCode(fetchFailed({ code: 'UND_ERR_SOCKET' }))).toBeUndefined();
  });
});

describe('never connected', () => {
  test('an unreachable server and a refused certificate are never connected: an HTTP send that failed so is not in doubt', () => {
    expect(neverConnectedCodes).toEqual(expect.arrayContaining([...unreachableCodes, ...certificateCodes]));
    const failure = new DeliveryError('transient', 'network error');
    for (const code of ['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_REVOKED']) {
      expect(isInDoubt(httpSendFailure(failure, code))).toBe(false);
    }
    expect(isInDoubt(httpSendFailure(failure, 'ECONNRESET'))).toBe(true);
  });
});
