// The one start/stop contract of faena's background services (River's startstop.Service): the
// dispatcher, the notification listener, the retention sweeper, the webhook deliverer and the
// schedule ticker. The composition root (runtime.ts) starts them in dependency order and stops
// them in reverse, through one ordered, idempotent stop().
//
// - start() begins the work; calling it again does nothing.
// - stop(how) stops taking new work, finishes or hands back what is under way within the
//   service's own limits, closes what the service opened, and resolves when all of that is
//   done. Calling it again returns the same promise. With `how.databaseGone` (PostgreSQL does
//   not answer) it waits on nothing that needs the database.

/** How a stop goes. */
export interface StopContext {
  /** PostgreSQL does not answer: nothing can be recorded; do not wait on it. */
  databaseGone: boolean
}

export interface BackgroundService {
  start(): void
  stop(how?: StopContext): Promise<void>
}
