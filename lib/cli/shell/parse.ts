/**
 * Command-line parsing as zkCli.sh does it: tokens split on whitespace, a token that starts with
 * a quote runs to the matching quote (the quotes are dropped), and POSIX-style options
 * (`-s`, `-v 3`) anywhere on the line, as Apache Commons CLI's parser accepts them.
 * @module
 */

// ZooKeeperMain.MyCommandOptions.ARGS_PATTERN and QUOTED_PATTERN, kept verbatim so that lines
// such as `set /test 'test data'` and `create /a "x y"` split exactly as zkCli.sh splits them.
const argsPattern = /\s*([^"']\S*|"[^"]*"|'[^']*')\s*/g
const quotedPattern = /^(['"])(.*)\1$/s

/** Splits a command line into words, dropping the quotes around quoted words. */
export function tokenize(line: string): string[] {
  const words: string[] = []
  for (const match of line.matchAll(argsPattern)) {
    const word = match[1]
    if (word === undefined) continue
    const quoted = quotedPattern.exec(word)
    words.push(quoted === null ? word : (quoted[2] ?? ''))
  }
  return words
}

/** The options a command takes: each letter (or long name, as reconfig's `-members`), and whether it takes a value (`-v 3`). */
export type OptionSpec = Readonly<Record<string, 'flag' | 'value'>>

/** A parsed command: its option values (flags as `''`) and its positional arguments. */
export interface ParsedArgs {
  /** Options given, by letter; a flag's value is `''`. */
  options: Map<string, string>
  /** The words that are not options, the command name first. */
  args: string[]
}

/**
 * Separates options from arguments. A word of the form `-x` is an option when it follows the
 * command name; zkCli's parser also reads options after the arguments (`removewatches /a -d`).
 * Returns the problem as a string, worded as Commons CLI words it, when the line does not parse.
 */
export function parseOptions(words: readonly string[], spec: OptionSpec): ParsedArgs | string {
  const options = new Map<string, string>()
  const args: string[] = []
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? ''
    if (i === 0 || !/^-[A-Za-z]/.test(word)) {
      args.push(word)
      continue
    }
    // A long option (`-members x`, as reconfig's), when the command names one so.
    const long = word.slice(1)
    if (long.length > 1 && spec[long] !== undefined) {
      if (spec[long] === 'flag') options.set(long, '')
      else {
        const next = words[i + 1]
        if (next === undefined) return `Missing argument for option: ${long}`
        options.set(long, next)
        i++
      }
      continue
    }
    // Clustered flags (`-es`) as Commons CLI's PosixParser accepts them.
    for (let j = 1; j < word.length; j++) {
      const letter = word[j] ?? ''
      const kind = spec[letter]
      if (kind === undefined) return `Unrecognized option: -${letter}`
      if (kind === 'flag') {
        options.set(letter, '')
        continue
      }
      const rest = word.slice(j + 1)
      if (rest !== '') {
        options.set(letter, rest)
      } else {
        const next = words[i + 1]
        if (next === undefined) return `Missing argument for option: ${letter}`
        options.set(letter, next)
        i++
      }
      break
    }
  }
  return { options, args }
}

/**
 * Options of which at most one may be given (Apache Commons CLI's OptionGroup, as zkCli's quota
 * commands declare theirs), and whether one must be.
 */
export interface OptionGroupSpec {
  /** The options, by letter, each with the description Commons CLI prints for it, in its order. */
  readonly options: ReadonlyArray<readonly [letter: string, description: string]>
  /** Whether one of them must be given. */
  readonly required: boolean
}

/**
 * What is wrong with the options of `parsed` for `group`, worded as Commons CLI words it (a
 * second option of the group, or none of a required one), or undefined.
 */
export function optionGroupProblem(parsed: ParsedArgs, group: OptionGroupSpec): string | undefined {
  const letters = new Set(group.options.map(([letter]) => letter))
  const given = [...parsed.options.keys()].filter((letter) => letters.has(letter))
  const [first, second] = given
  if (first !== undefined && second !== undefined) {
    return `The option '${second}' was specified but an option from this group has already been selected: '${first}'`
  }
  if (first === undefined && group.required) {
    return `Missing required option: [${group.options.map(([letter, description]) => `-${letter} ${description}`).join(', ')}]`
  }
  return undefined
}
