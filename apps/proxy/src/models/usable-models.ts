import type { ApiKeyAuthRecord, ModelRecord } from '@gw/db';

export interface UsableModel<M extends ModelRecord = ModelRecord> {
  /** The name the key may call the model by: its canonical id, or the alias its allow-list names it by. */
  name: string;
  model: M;
}

/**
 * The models a key may use over one protocol (the models listing endpoints): enabled models of that provider that
 * the key's allow-list admits (an empty list admits every model). One entry per model, under its canonical id;
 * aliases are not listed (they would show every model twice in model pickers), except that an allow-list naming a
 * model only by an alias lists that alias, the one name the key may use it by.
 */
export function usableModels<M extends ModelRecord>(
  catalog: readonly M[],
  key: ApiKeyAuthRecord,
  provider: ModelRecord['provider'],
): UsableModel<M>[] {
  const allowed = key.allowedModels;
  const usable: UsableModel<M>[] = [];
  for (const model of catalog) {
    if (!model.enabled || model.provider !== provider) continue;
    if (allowed.length === 0 || allowed.includes(model.id)) {
      usable.push({ name: model.id, model });
      continue;
    }
    for (const alias of model.aliases) if (allowed.includes(alias)) usable.push({ name: alias, model });
  }
  return usable;
}

/**
 * One model a key may use, looked up by the name a client sent (canonical id or alias): the same rule as a request
 * naming it (the resolve stage), on any protocol (a model of another provider is served through translation), and
 * null when that request would be refused (unknown, disabled, or not admitted by the allow-list under this name).
 * `name` is what a models list shows for it.
 */
export function usableModel<M extends ModelRecord>(
  resolve: (name: string) => M | undefined,
  key: ApiKeyAuthRecord,
  requested: string,
): UsableModel<M> | null {
  const model = resolve(requested);
  if (!model || !model.enabled) return null;
  const allowed = key.allowedModels;
  if (allowed.length === 0 || allowed.includes(model.id)) return { name: model.id, model };
  return allowed.includes(requested) ? { name: requested, model } : null;
}
