import { DisabledSmsSender } from './disabled-sms-sender';
import { WardenError } from '../errors/warden-error';

test('production without Twilio settings refuses texts with SERVICE_UNAVAILABLE instead of printing the code', async () => {
  const sending = new DisabledSmsSender().send({ to: '+33612345678', body: '123456 is your Warden code.' });
  await expect(sending).rejects.toBeInstanceOf(WardenError);
  await expect(sending).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: { dependency: 'sms' } });
  await sending.catch((error: WardenError) => expect(String(error.cause)).not.toContain('123456'));
});
