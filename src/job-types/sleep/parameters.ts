// The parameters of a `sleep` job: checked in the API process before the job is stored. Kept
// apart from the processor so that worker threads never load TypeBox.
import Type, { type Static } from 'typebox'

export const parameters = Type.Object(
  {
    ms: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 5000, description: 'total duration' }),
    steps: Type.Integer({ minimum: 1, maximum: 10_000, default: 10 }),
    failAt: Type.Optional(Type.Integer({ minimum: 1, description: 'fail with code DEMO_FAILURE at this step' })),
  },
  { additionalProperties: false },
)

export type SleepParameters = Static<typeof parameters>
