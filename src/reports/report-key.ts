/** Where a job's report file is stored: one folder per job. */
export const reportKey = (jobId: string, fileName: string) => `reports/${jobId}/${fileName}`
