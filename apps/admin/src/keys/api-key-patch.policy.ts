import { GatewayError } from '@gw/common';
import type { Actor } from '../shared/actor';
import type { UpdateApiKeyDto } from './api-keys.dto';

/** What support may change with a PATCH: the status, and the key policy of spec/policy.md. */
const SUPPORT_FIELDS: ReadonlySet<string> = new Set(['status', 'ipAllowlist', 'dailyLimitUsd', 'tpmLimit']);

/**
 * Support staff may disable and enable keys (spec/admin-api.md, "Roles") and set their policy (spec/policy.md: IP
 * allow-list, daily limit, tokens per minute), not rename them or widen what models or how long a key may be used:
 * a PATCH from support may carry those fields only. Admin may change every field.
 */
export function assertMayPatch(actor: Actor, dto: UpdateApiKeyDto): void {
  if (actor.role === 'admin') return;
  const fields = Object.keys(dto).filter((field) => dto[field as keyof UpdateApiKeyDto] !== undefined);
  const refused = fields.filter((field) => !SUPPORT_FIELDS.has(field));
  if (refused.length > 0) {
    throw GatewayError.permissionDenied(
      `The ${actor.role} role may only change a key's status, ipAllowlist, dailyLimitUsd and tpmLimit, not: ${refused.join(', ')}`,
    );
  }
}
