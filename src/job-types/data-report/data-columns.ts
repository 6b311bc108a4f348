// The columns of a data report as the writers use them (no TypeBox here: worker threads load it).

/** Columns of one report; XLSX allows 16,384, nobody reads more than this. */
export const MAX_COLUMNS = 1000

export interface DataColumn {
  key: string
  header: string
}
