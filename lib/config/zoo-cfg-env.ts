/**
 * zoo.cfg keys from `PADDOCK_*` environment variables: the variable's name is the key's
 * (see {@link envVariableOf}), its value the key's value, and it overrides the file.
 * @module
 */
import { envPrefix, keyOfEnvVariable, ownEnvVariables } from './zoo-cfg-keys.js'

export { envVariableOf } from './zoo-cfg-keys.js'

/** One key set by an environment variable, as the start-up log reports it (without the value, which may be a secret). */
export interface EnvironmentOverride {
  /** The zoo.cfg key. */
  key: string
  /** The variable that set it. */
  variable: string
  /** The file's line it replaced, when the file set the key too (under any of its names). */
  overridesLine: number | undefined
}

/** One setting from the environment, shaped as a zoo.cfg line (`line` is 0: it has none). */
export interface EnvironmentLine {
  /** The zoo.cfg key the variable names. */
  key: string
  /** The variable's value, surrounding blanks trimmed. */
  value: string
  /** Always 0. */
  line: number
  /** The variable. */
  variable: string
}

/** What the environment says: the settings its `PADDOCK_*` variables make, and those variables that name no key. */
export interface EnvironmentLines {
  /** One line per variable that names a key, in the variables' name order; `line` is 0 and `variable` is set. */
  lines: EnvironmentLine[]
  /** `PADDOCK_*` variables that name no zoo.cfg key Paddock reads (Paddock's own, like `PADDOCK_PORT`, left out). */
  unknown: string[]
}

/** Reads the `PADDOCK_*` variables of `env` as zoo.cfg lines; a value has its surrounding blanks trimmed, as in the file. */
export function environmentLines(env: Readonly<Record<string, string | undefined>>): EnvironmentLines {
  const lines: EnvironmentLine[] = []
  const unknown: string[] = []
  for (const variable of Object.keys(env).sort()) {
    const value = env[variable]
    if (!variable.startsWith(envPrefix) || value === undefined || ownEnvVariables.has(variable)) continue
    const key = keyOfEnvVariable(variable)
    if (key === undefined) unknown.push(variable)
    else lines.push({ key, value: value.trim(), line: 0, variable })
  }
  return { lines, unknown }
}
