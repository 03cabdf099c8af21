import { plainUsd } from '../format/money';
import { alertSettingsBody, initialAlertValues } from './alert-settings';
import { accountLimitChanges, describeAggregate, describeKeyDefault, initialLimitValues } from '../accounts/account-limits';

describe(alertSettingsBody.name, () => {
  it('sends thresholds highest first and each once, and a secret only when one was typed', () => {
    expect(alertSettingsBody({ thresholds: ['1', ' 10.00 ', '5.5', '10', ''], webhookUrl: ' https://h.example/x ', secret: '' })).toEqual({
      thresholdsUsd: ['10.00', '5.5', '1'],
      webhookUrl: 'https://h.example/x',
    });
    expect(alertSettingsBody({ thresholds: ['2'], webhookUrl: 'u', secret: ' s3cret ' })).toMatchObject({ secret: 's3cret' });
  });

  it('leaves what is not an amount for the API to name', () => {
    expect(alertSettingsBody({ thresholds: ['ten', '1', '5'], webhookUrl: 'u', secret: '' }).thresholdsUsd).toEqual(['5', '1', 'ten']);
  });

  it('starts from what the API holds, amounts as typed', () => {
    const values = initialAlertValues({
      accountId: 'a',
      thresholdsUsd: ['10.000000', '0.005000'],
      webhookUrl: null,
      hasSecret: false,
      firedThresholdsUsd: [],
      updatedAt: null,
    });
    expect(values).toEqual({ thresholds: ['10.00', '0.005'], webhookUrl: '', secret: '' });
    expect(plainUsd('1234.500000')).toBe('1234.50');
  });
});

describe(accountLimitChanges.name, () => {
  const account = { rpmLimit: null, accountRpmLimit: 700 };

  it('sends only what changed, null for an emptied field', () => {
    expect(accountLimitChanges(account, initialLimitValues(account))).toEqual({ ok: true, body: {} });
    expect(accountLimitChanges(account, { rpm: ' 10 ', accountRpm: '' })).toEqual({ ok: true, body: { rpm: 10, accountRpm: null } });
  });

  it('refuses only what is not a number, naming the field', () => {
    expect(accountLimitChanges(account, { rpm: 'lots', accountRpm: '700' })).toMatchObject({ ok: false, field: 'rpm' });
    expect(accountLimitChanges(account, { rpm: '', accountRpm: '0' })).toEqual({ ok: true, body: { accountRpm: 0 } });
  });

  it('says which limit applies', () => {
    expect(describeKeyDefault(null, 60)).toBe('the default (60 requests per minute)');
    expect(describeKeyDefault(10, 60)).toBe('10 requests per minute');
    expect(describeAggregate(null)).toBe("twice the requesting key's limit");
  });
});
