// PostgreSQL's own estimate of how many rows a query returns (its planner's, from statistics):
// what a count past its cap reports instead of counting.
import type { Queryable } from './types.js'

export async function plannedRows(db: Queryable, query: string, values: unknown[]): Promise<number> {
  const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>({
    text: `EXPLAIN (FORMAT JSON) ${query}`,
    values,
  })
  return Math.round(rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'])
}
