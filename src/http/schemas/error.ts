import Type from 'typebox'

/** The one error body, on every route. */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer({ examples: [400] }),
    code: Type.String({ description: 'stable, machine-readable', examples: ['VALIDATION_FAILED'] }),
    error: Type.String({ examples: ['Bad Request'] }),
    message: Type.String({ examples: ['parameters.ms: must be integer'] }),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'ErrorResponse', description: 'Error' },
)

export const errorResponses = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, Type.Ref('ErrorResponse')])) as Record<number, ReturnType<typeof Type.Ref>>
