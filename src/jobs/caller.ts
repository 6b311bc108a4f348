/** Who is asking: a user sees their own jobs, an admin sees everyone's. */
export interface Caller {
  userId: string
  admin: boolean
}
