// The rows `seedKpi` (src/reports/kpi-seed.ts) puts in a fresh kpi_snapshot_diario, made in
// JavaScript as the KPI export turns them into cells: all columns in their default order, dates
// as Date, decimals as numbers. bench:export's ceiling writes these, so that ExcelJS alone
// writes the very cells the export writes (test/bench/kpi-rows.test.ts checks them against an
// export). Keep the two in step.

type Cell = string | number | Date | null

const INDICADORES = [
  'ventas',
  'margen',
  'clientes',
  'tickets',
  'devoluciones',
  'mora',
  'nps',
  'stock',
  'gastos',
  'personal',
]
const REGIONES = ['Norte', 'Sur', 'Centro', 'Cuyo', 'Patagonia']
const UNIDADES = ['ARS', '%', 'u']
const SUCURSALES = Array.from({ length: 20 }, (_, i) => `Sucursal ${String(i + 1).padStart(2, '0')}`)
const RESPONSABLES = Array.from({ length: 37 }, (_, i) => `Responsable ${i}`)

/**
 * A maker of seed rows by index (0 for the first row of a fresh table, whose idLog is 1). Every
 * decimal is the double nearest to PostgreSQL's exact value, as Number() reads its text: each is
 * one correctly rounded division of integers. Rows of a day share its Date, as in the export.
 */
export function kpiSeedRows(): (g: number) => Cell[] {
  let day = -1
  let date = new Date(0)
  return (g) => {
    const d = Math.floor(g / 200)
    if (d !== day) {
      day = d
      date = new Date(Date.UTC(2020, 0, 1 + d))
    }
    const valor = 10_000 + ((g * 7919) % 100_000) // tenths
    const meta = 10_000 + ((g * 104_729) % 90_000)
    // round(valor / meta, 4), halves away from zero (both positive)
    const cumplimiento = Math.floor((valor * 20_000 + meta) / (2 * meta)) / 10_000
    return [
      g + 1,
      date,
      SUCURSALES[g % 20]!,
      REGIONES[g % 5]!,
      INDICADORES[Math.floor(g / 20) % 10]!,
      valor / 10,
      meta / 10,
      cumplimiento,
      g % 7 === 0 ? null : (((g * 37) % 2001) - 1000) / 10_000,
      UNIDADES[g % 3]!,
      RESPONSABLES[g % 37]!,
      g % 50 === 0 ? 'revisar con la sucursal' : null,
    ]
  }
}
