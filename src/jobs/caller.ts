import { ForbiddenError } from '../errors.js'

/**
 * Who is asking. A plain user sees and acts on their own jobs only. A role reaches further:
 * `viewer` reads every job; `operator` also acts on them (cancel, re-run, bulk actions, pauses,
 * other users' schedules, and what job types let them); `admin` above both. `admin` is true
 * exactly for the admin role (what callers before roles read).
 */
export interface Caller {
  userId: string
  admin: boolean
  /** The caller's role; absent: a plain user. */
  role?: Role
  /**
   * A service key's scopes (jobs:submit[:<type>], jobs:read, jobs:act): what it may do for its
   * owner. Absent for a person's token, which is bounded by the role alone.
   */
  scopes?: string[]
  /** The service key the request came with. */
  keyId?: string
  /**
   * The request's trace context (its server span, a W3C traceparent) when traces are exported:
   * a job it creates continues that trace.
   */
  trace?: string
}

export type Role = 'viewer' | 'operator' | 'admin'

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 }

/** The caller's role, or one above it. */
export function hasRole(caller: Caller, role: Role): boolean {
  const mine = caller.role ?? (caller.admin ? 'admin' : undefined)
  return mine !== undefined && RANK[mine] >= RANK[role]
}

/** A 403 naming the role `what` needs, unless the caller has it. */
export function requireRole(caller: Caller, role: Role, what: string): void {
  if (!hasRole(caller, role)) throw new ForbiddenError(`${what} needs the ${role} role`)
}

/**
 * Whose things the caller reaches with `role`'s reach: null (everyone's) with that role, else
 * only their own (their user id), as an owner filter for a query.
 */
export function ownerUnless(caller: Caller, role: Role): string | null {
  return hasRole(caller, role) ? null : caller.userId
}

/**
 * Acting on something of another user (which the caller may see) needs the operator role: a
 * 403 that says `what` ("cancelling another user's job needs the operator role").
 */
export function requireOperatorFor(caller: Caller, owner: string, what: string): void {
  if (owner !== caller.userId) requireRole(caller, 'operator', what)
}

/** The highest of the roles named (viewer, operator, admin), if any. */
export function highestRole(names: readonly unknown[]): Role | undefined {
  let best: Role | undefined
  for (const n of names)
    if (typeof n === 'string' && n in RANK && (!best || RANK[n as Role] > RANK[best])) best = n as Role
  return best
}

/** A 403 naming the scope, when the caller is a service key without it (or its `jobs:submit:<type>`). */
export function requireScope(caller: Caller, scope: 'jobs:submit' | 'jobs:read' | 'jobs:act', type?: string): void {
  if (!caller.scopes || caller.scopes.includes(scope)) return
  if (type !== undefined && caller.scopes.includes(`${scope}:${type}`)) return
  throw new ForbiddenError(`this key needs the scope ${type === undefined ? scope : `${scope}:${type}`}`)
}
