import { GatewayError } from '@gw/common';
import type { Actor } from '../shared/actor';
import type { UpdateApiKeyDto } from './api-keys.dto';

/**
 * Support staff may disable and enable keys (spec/admin-api.md, "Roles"), not widen or lengthen what a key may do:
 * a PATCH from support may carry `status` only. Admin may change every field.
 */
export function assertMayPatch(actor: Actor, dto: UpdateApiKeyDto): void {
  if (actor.role === 'admin') return;
  const fields = Object.keys(dto).filter((field) => dto[field as keyof UpdateApiKeyDto] !== undefined);
  const refused = fields.filter((field) => field !== 'status');
  if (refused.length > 0) {
    throw GatewayError.permissionDenied(
      `The ${actor.role} role may only change a key's status, not: ${refused.join(', ')}`,
    );
  }
}
