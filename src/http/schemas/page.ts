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
      pagination: Type.Object({
        total: Type.Integer({
          description: "how many the listing matches: exact when totalExact is not false, else PostgreSQL's estimate",
        }),
        limit: Type.Integer(),
        offset: Type.Integer(),
        hasMore: Type.Boolean(),
        totalExact: Type.Optional(
          Type.Boolean({ description: 'false when the listing matches more than 10,000 and total is an estimate' }),
        ),
        next: Type.Optional(
          Type.Union([Type.String(), Type.Null()], {
            description:
              'the next page, continuing after the last item (a cursor: fast at any depth); null on the last page',
          }),
        ),
      }),
    },
    { examples: [example] },
  )
