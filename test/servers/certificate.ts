/** The self-signed certificate the test servers (SMTP with TLS, the HTTPS simulators) present. */
import { generate } from 'selfsigned';

let certificatePromise: Promise<{ key: string; cert: string }> | undefined;

/**
 * A self-signed certificate for localhost, 127.0.0.1 and ::1, made once per test process with the
 * `selfsigned` package (WebCrypto, no openssl binary needed).
 */
export function testCertificate(): Promise<{ key: string; cert: string }> {
  certificatePromise ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return certificatePromise;
}
