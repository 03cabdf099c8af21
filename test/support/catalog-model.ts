import { loadConfig } from '../../libs/config/src';
import { CatalogModel, modelDefaults, toCatalogModel } from '../../libs/catalog/src';
import { ModelsRepository, ChannelCredentials } from '../../libs/db/src';
import { testDb } from './test-db';
import { testEnv } from './test-env';

/** A model exactly as a proxy's catalog holds it (charged prices, defaults filled in), read from the test database. */
export async function catalogModelOf(id: string): Promise<CatalogModel> {
  const config = loadConfig(testEnv());
  const repository = new ModelsRepository(await testDb(), new ChannelCredentials(config));
  const stored = (await repository.findAllWithChannels()).find((model) => model.id === id);
  if (!stored) throw new Error(`model ${id} not found`);
  return toCatalogModel(stored, modelDefaults(config));
}
