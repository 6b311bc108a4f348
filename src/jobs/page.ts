// One shape for every paginated listing: {data, pagination: {total, limit, offset, hasMore}}.

export interface PageQuery {
  limit: number
  offset: number
}

export interface Page<T> {
  data: T[]
  pagination: { total: number; limit: number; offset: number; hasMore: boolean }
}

export function toPage<T>(data: T[], total: number, q: PageQuery): Page<T> {
  return { data, pagination: { total, limit: q.limit, offset: q.offset, hasMore: q.offset + data.length < total } }
}
