import { Injectable } from '@nestjs/common';
import { ModelsRepository } from '@gw/db';

/**
 * The `model` filter of the usage lists. Records carry the canonical model id (`openai/gpt-4.1-mini`), whatever name
 * the client sent; a filter may name the model as clients do, by an alias (`gpt-4.1-mini`), and then means that
 * model. A name the catalog does not know (a model since removed, or a request for an unknown model, recorded under
 * the name sent) is matched as written.
 */
@Injectable()
export class UsageModelFilter {
  constructor(private readonly models: ModelsRepository) {}

  async canonical(model: string | undefined): Promise<string | undefined> {
    if (model === undefined) return undefined;
    return (await this.models.findIdByName(model)) ?? model;
  }
}
