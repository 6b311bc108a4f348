import Type, { type Static } from 'typebox'

export const parameters = Type.Object(
  { bytes: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
  { additionalProperties: false },
)
export type ResultFileParameters = Static<typeof parameters>
