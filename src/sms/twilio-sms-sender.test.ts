import { describeTwilioFailure } from './twilio-sms-sender';

describe('describeTwilioFailure', () => {
  test('keeps status, Twilio code and message of a RestException', () => {
    const rest = Object.assign(new Error('The number +33612345678 is unverified.'), {
      name: 'RestException',
      status: 400,
      code: 21608,
      moreInfo: 'https://www.twilio.com/docs/errors/21608',
    });
    const safe = describeTwilioFailure(rest);
    expect(safe).toMatchObject({ name: 'RestException', message: rest.message, status: 400, twilioCode: 21608, moreInfo: rest.moreInfo });
  });

  test('drops the request (form body with the code, Authorization with the auth token) of a network error', () => {
    const axiosLike = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      name: 'AxiosError',
      code: 'ECONNREFUSED',
      config: {
        data: 'To=%2B33612345678&Body=123456+is+your+Warden+code',
        headers: { Authorization: 'Basic ' + Buffer.from('ACxxx:secret-auth-token').toString('base64') },
        auth: 'secret-auth-token',
      },
      request: { _header: 'POST /2010-04-01/Accounts/ACxxx/Messages.json\r\nAuthorization: Basic …' },
    });
    const safe = describeTwilioFailure(axiosLike);
    const serialized = JSON.stringify({ ...safe, message: safe.message, stack: safe.stack });
    expect(serialized).not.toContain('123456');
    expect(serialized).not.toContain('secret-auth-token');
    expect(serialized).not.toContain(Buffer.from('ACxxx:secret-auth-token').toString('base64'));
    expect(safe.message).toBe('connect ECONNREFUSED 127.0.0.1:9');
  });

  test('survives anything thrown', () => {
    expect(describeTwilioFailure(undefined).message).toBe('Twilio request failed');
    expect(describeTwilioFailure('boom').message).toBe('Twilio request failed');
  });
});
