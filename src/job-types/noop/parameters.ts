// The parameters of a `noop` job: checked in the API process before the job is stored. Kept
// apart from the processor so that worker threads never load TypeBox.
import Type, { type Static } from 'typebox'

export const parameters = Type.Object({}, { additionalProperties: true })

export type NoopParameters = Static<typeof parameters>
