import { credentialRedactor, redactError } from '../../src/system/redact.js';

const user = 'alice@example.com';
const password = 'correct horse battery';
const token = 'ya29.a0AfH6SMBx-token-value';
const redact = credentialRedactor({ user, password, tokens: [token] });
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Every form the test greps outputs for: none may survive. */
const leaks = (text: string) =>
  [password, base64(password), token, base64(token), encodeURIComponent(password)].filter((secret) => text.includes(secret));

test.each([
  ['AUTH PLAIN', `500 5.5.1 Command unrecognized: "AUTH PLAIN ${base64(`\0${user}\0${password}`)}"`],
  ['AUTH PLAIN with authorization identity', `535 bad: ${base64(`${user}\0${user}\0${password}`)}`],
  ['AUTH LOGIN password answer', `535 5.7.8 ${base64(user)} ${base64(password)} rejected`],
  ['XOAUTH2', `500 unknown ${base64(`user=${user}\x01auth=Bearer ${token}\x01\x01`)}`],
  ['base64url', `error ${Buffer.from(password).toString('base64url')}`],
  ['inside another base64 blob', `echo ${base64(`{"x":1,"password":"${password}","n":2}`)}`],
  ['raw password and token', `bad credentials ${password} / Bearer ${token}`],
  ['URL-encoded', `GET /?p=${encodeURIComponent(password)}`],
])('%s: nothing of the secret is left', (_name, text) => {
  const shown = redact(text);
  expect(leaks(shown)).toEqual([]);
  expect(shown).toContain('[credentials hidden]');
});

test('text without a credential passes unchanged; no credentials, no change', () => {
  const reply = '550 5.1.1 <bob@example.com>: user unknown';
  expect(redact(reply)).toBe(reply);
  expect(credentialRedactor({ user })(reply)).toBe(reply);
});

test('an error is redacted in its message, response, stack and cause', () => {
  const error = Object.assign(new Error(`Invalid login: 500 AUTH PLAIN ${base64(`\0${user}\0${password}`)}`), {
    response: `500 ${password}`,
    cause: new Error(`inner ${token}`),
  });
  redactError(error, redact);
  expect(leaks(`${error.message} ${error.response} ${error.stack} ${(error.cause as Error).message}`)).toEqual([]);
});

test('an HTTP error keeps the shape of its body (text or JSON) without the tokens', () => {
  const json = Object.assign(new Error('400'), {
    response: { status: 400, data: { error: 'invalid_grant', error_description: `bad ${token}` } },
  });
  redactError(json, redact);
  expect(json.response.data).toEqual({ error: 'invalid_grant', error_description: 'bad [credentials hidden]' });
  const text = Object.assign(new Error('401'), { response: { status: 401, data: `Bearer ${token} rejected` } });
  redactError(text, redact);
  expect(text.response.data).toBe('Bearer [credentials hidden] rejected');
});
