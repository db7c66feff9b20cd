import { logHttp, setProtocolLog, smtpLogger } from '../../src/system/protocol-log.js';
import { credentialRedactor } from '../../src/system/redact.js';

describe('the --debug log hides credentials', () => {
  const lines: string[] = [];
  beforeEach(() => setProtocolLog((line) => lines.push(line)));
  afterEach(() => {
    setProtocolLog(undefined);
    lines.length = 0;
  });

  test('AUTH LOGIN: the user name and password answers to 334 are hidden, the rest of the conversation kept', () => {
    const log = smtpLogger('smtp x', credentialRedactor({ user: 'me', password: 'secret' }));
    for (const [tnx, text] of [
      ['client', 'AUTH LOGIN'],
      ['server', '334 VXNlcm5hbWU6'],
      ['client', 'bWU='],
      ['server', '334 UGFzc3dvcmQ6'],
      ['client', 'c2VjcmV0'],
      ['server', '235 2.7.0 ok'],
      ['client', 'MAIL FROM:<a@example.com>'],
    ]) {
      log.debug({ tnx }, text);
    }
    expect(lines).toEqual([
      'smtp x C: AUTH LOGIN [credentials hidden]',
      'smtp x S: 334 VXNlcm5hbWU6',
      'smtp x C: [credentials hidden]',
      'smtp x S: 334 UGFzc3dvcmQ6',
      'smtp x C: [credentials hidden]',
      'smtp x S: 235 2.7.0 ok',
      'smtp x C: MAIL FROM:<a@example.com>',
    ]);
  });

  test('a server line echoing the AUTH argument is redacted', () => {
    const plain = Buffer.from('\0me\0hunter2-password').toString('base64');
    smtpLogger('smtp x', credentialRedactor({ user: 'me', password: 'hunter2-password' })).debug(
      { tnx: 'server' },
      `500 5.5.1 Command unrecognized: "AUTH PLAIN ${plain}"`,
    );
    expect(lines).toEqual(['smtp x S: 500 5.5.1 Command unrecognized: "AUTH PLAIN [credentials hidden]"']);
  });

  test('HTTP: method, address without its query, status; no header at all', () => {
    logHttp('graph', 'POST', 'https://graph.microsoft.com/v1.0/me/sendMail?access_token=abc#x', 202);
    expect(lines).toEqual(['graph POST https://graph.microsoft.com/v1.0/me/sendMail → 202']);
  });
});
