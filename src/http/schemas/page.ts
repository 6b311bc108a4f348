import Type, { type TProperties, type TSchema } from 'typebox'

/** limit/offset query fields shared by every listing, plus the listing's own filters. */
export const PageQuery = <P extends TProperties>(filters: P) =>
  Type.Object(
    {
      ...filters,
      limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, examples: [20] }),
      offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
    },
    { additionalProperties: false },
  )

export const PageOf = <T extends TSchema>(item: T, example: unknown) =>
  Type.Object(
    {
      data: Type.Array(item),
      pagination: Type.Object({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), hasMore: Type.Boolean() }),
    },
    { examples: [example] },
  )
