// Spreadsheet formula injection: text that starts with = + - @, tab or CR would be run as a
// formula when a CSV is opened in Excel. Such text gets a leading apostrophe.
const FORMULA_START = /^[=+\-@\t\r]/

export function defuseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}
