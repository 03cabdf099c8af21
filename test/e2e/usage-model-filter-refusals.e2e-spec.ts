import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AdminApi } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { authHeaders, generationRequest } from '../support/protocol-clients';
import { closeTestDb, testDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

/**
 * A request the catalog resolved and then refused (a key not allowed the model) is a record of that model: it is
 * listed under the model's id and its aliases alike, as every other record of the model is.
 */
describe('usage records of requests refused after the model was resolved', () => {
  let admin: AppProcess;
  let proxy: AppProcess;
  let api: AdminApi;

  beforeAll(async () => {
    [admin, proxy] = await AppProcess.together([AppProcess.start('admin'), AppProcess.start('proxy')]);
    api = new AdminApi(admin.url);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([admin?.stop(), proxy?.stop()]);
    await closeTestDb();
  });

  it('names the catalog model, so that GET /usage?model= finds it by the id and by the alias the client sent', async () => {
    const wanted = await createModel();
    const other = await createModel();
    const account = await createAccount();
    const key = await createApiKey(account.id, { allowedModels: [other.id] });

    const { path, body } = generationRequest('openai', wanted.alias, 'hello', 8);
    const response = await fetch(`${proxy.url}${path}`, {
      method: 'POST',
      headers: { ...authHeaders('openai', key.key), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(403);
    const generationId = response.headers.get('x-chuizi-generation-id')!;
    const db = await testDb();
    const record = await waitFor(() => db.usageRecord.findUnique({ where: { generationId } }));
    expect(record).toMatchObject({ model: wanted.id, requestedModel: wanted.alias, status: 403, outcome: 'rejected' });

    for (const name of [wanted.id, wanted.alias]) {
      const listed = await api.get(`/admin/v1/usage?accountId=${account.id}&model=${encodeURIComponent(name)}`);
      expect(listed.status).toBe(200);
      expect(listed.body.data.map((row: { generationId: string }) => row.generationId)).toEqual([generationId]);
    }
  });
});
