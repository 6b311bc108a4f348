export const resultKey = (jobId: string) => `results/${jobId}/result.txt`
export const resultContent = (bytes: number) => Buffer.alloc(bytes, 'faena ')
