/** TypeBox schemas shared by the resource plugins. */
import { type TSchema, Type } from '@sinclair/typebox';

export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });
export const ERRORS = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });
export const TenantParams = Type.Object({ tenantId: Uuid });
export const Timestamp = Type.String({ format: 'date-time' });
export const Email = Type.String({ format: 'email', maxLength: 254 });
/** Names people give things (tenants, networks, API keys). */
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' });

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    /** The id of the last item of the previous page. */
    after: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), next: Type.Union([Type.String(), Type.Null()]) });
}

/** Keyset pagination over an ordered id: `limit + 1` rows tell whether there is a next page. */
export function pageOf<T extends { id: string | bigint }>(rows: readonly T[], limit: number): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? String(items[items.length - 1]!.id) : null };
}

export const iso = (d: Date | null | undefined): string | null => (d === null || d === undefined ? null : d.toISOString());
