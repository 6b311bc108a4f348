// One shape for every paginated listing: {data, pagination: {total, limit, offset, hasMore}},
// and, where a listing can be deep (jobs), whether the total is exact and a `next` link that
// continues after the last item (keyset: as fast a million rows in as on the first page).

export interface PageQuery {
  limit: number
  offset: number
}

export interface Page<T> {
  data: T[]
  pagination: {
    total: number
    limit: number
    offset: number
    hasMore: boolean
    totalExact?: boolean
    next?: string | null
  }
}

export function toPage<T>(data: T[], total: number, q: PageQuery): Page<T> {
  return { data, pagination: { total, limit: q.limit, offset: q.offset, hasMore: q.offset + data.length < total } }
}
