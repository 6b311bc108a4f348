// Job types from outside faena's tree (FAENA_JOB_TYPES): ES modules named by a path or by a
// package name, resolved from the working directory as the user's own project would resolve
// them (import-meta-resolve implements Node's ESM resolution, `exports` conditions included,
// from a parent URL of our choosing). Each module default-exports one definition or an array.
// Anything wrong stops the start with a message that names the module and the reason.
import { isAbsolute, resolve as resolvePath } from 'node:path'
import { pathToFileURL } from 'node:url'
import { resolve as resolveModule } from 'import-meta-resolve'
import { ConfigError } from '../errors.js'
import type { JobTypeDefinition } from './registry.js'

const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/

/** The specifiers of a FAENA_JOB_TYPES value, in order. */
export function jobTypeSpecifiers(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** Imports each module and returns their definitions, each checked, with the module it came from. */
export async function loadJobTypeModules(
  specifiers: string[],
  cwd = process.cwd(),
): Promise<{ module: string; definition: JobTypeDefinition }[]> {
  const out: { module: string; definition: JobTypeDefinition }[] = []
  for (const specifier of specifiers) {
    const fail = (why: string): never => {
      throw new ConfigError(`FAENA_JOB_TYPES: the module "${specifier}" ${why}`)
    }
    let url: string
    try {
      url =
        specifier.startsWith('.') || isAbsolute(specifier)
          ? pathToFileURL(resolvePath(cwd, specifier)).href
          : resolveModule(specifier, pathToFileURL(`${cwd}/`).href)
    } catch (err) {
      return fail(`cannot be found from ${cwd}: ${(err as Error).message}`)
    }
    let loaded: { default?: unknown }
    try {
      loaded = await import(url)
    } catch (err) {
      return fail(`failed to load: ${(err as Error).message}`)
    }
    const exported = loaded.default
    if (exported === undefined) fail('has no default export (a job type definition or an array of them)')
    for (const [i, definition] of (Array.isArray(exported) ? exported : [exported]).entries()) {
      const problem = definitionProblem(definition)
      if (problem) fail(`exports a bad definition${Array.isArray(exported) ? ` at [${i}]` : ''}: ${problem}`)
      out.push({ module: specifier, definition: definition as JobTypeDefinition })
    }
  }
  return out
}

/** What is wrong with a would-be definition, or null. The compiler checks faena's own; these come from anywhere. */
function definitionProblem(d: unknown): string | null {
  if (typeof d !== 'object' || d === null) return 'not an object'
  const def = d as Record<string, unknown>
  if (typeof def.name !== 'string' || !NAME.test(def.name)) {
    return `name ${JSON.stringify(def.name)} is not lower-case letters, digits and hyphens`
  }
  if (typeof def.parameters !== 'object' || def.parameters === null) return 'parameters is not a TypeBox schema'
  if (!(def.processor instanceof URL)) return 'processor is not a URL (new URL("./processor.js", import.meta.url))'
  if (def.schema !== undefined && !Array.isArray(def.schema)) return 'schema is not an array of schema owners'
  for (const fn of ['files', 'setup'] as const) {
    if (def[fn] !== undefined && typeof def[fn] !== 'function') return `${fn} is not a function`
  }
  return null
}

/** The definitions of every source in order; a name defined twice stops the start naming both modules. */
export function combineJobTypes(sources: { module: string; definition: JobTypeDefinition }[]): JobTypeDefinition[] {
  const from = new Map<string, string>()
  for (const { module, definition } of sources) {
    const first = from.get(definition.name)
    if (first !== undefined) {
      throw new ConfigError(
        `FAENA_JOB_TYPES: the job type "${definition.name}" is defined by "${first}" and by "${module}"`,
      )
    }
    from.set(definition.name, module)
  }
  return sources.map((s) => s.definition)
}
