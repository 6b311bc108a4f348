// The parameters of a `dkt-import` job: checked in the API process before the job is stored. Kept
// apart from the processor so that worker threads never load TypeBox.
import Type, { type Static } from 'typebox'

export const parameters = Type.Object(
  {
    fileKey: Type.String({ minLength: 1 }),
    fileName: Type.String({ minLength: 1, maxLength: 255 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Type.Integer({ minimum: 0 }),
    kind: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
    onError: Type.Union([Type.Literal('reject'), Type.Literal('skip')], { default: 'reject' }),
    /** Imported even if the user already has a lote of it, or an import of it running. */
    force: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
)

export type DktImportParameters = Static<typeof parameters>
