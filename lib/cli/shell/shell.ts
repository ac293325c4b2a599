/**
 * The shell's state machine: one command line in, zkCli.sh's output out. It holds the session,
 * the command history and the printwatches switch; the commands themselves live in
 * `commands.ts`, the terminal in `index.ts`.
 * @module
 */
import type { ConnectionState, TcpTlsOptions, WatchedEvent, ZooKeeperClient } from '../../index.js'
import { shellCommandLineCharsMax, shellCompletionsMax, shellCompletionTimeoutMs, shellHistoryEntriesMax } from '../../limits.js'
import { commandNames, commands, usageText, type Command } from './commands.js'
import { openSession } from './connect.js'
import { ShellError, UsageError } from './errors.js'
import { errorLine, formatWatchedEvent } from './format.js'
import { optionGroupProblem, parseOptions, tokenize, type ParsedArgs } from './parse.js'
import type { CommandContext, CommandOutcome, ShellOutput } from './types.js'

/** Options of {@link Shell}. */
export interface ShellOptions {
  /** The connect string, `host:port[,host:port...][/chroot]`. */
  server: string
  /** Requested session timeout, which also bounds connecting, ms. */
  sessionTimeoutMs: number
  /** Where output goes. */
  output: ShellOutput
  /** Print session events and fired watches (false in one-shot mode, which exits at once). @defaultValue true */
  printWatches?: boolean
  /** Connect with TLS (see ./tls.ts). @defaultValue plain text */
  tls?: TcpTlsOptions | undefined
}

const promptStates: Record<ConnectionState, string> = {
  connecting: 'CONNECTING',
  connected: 'CONNECTED',
  connectedReadOnly: 'CONNECTEDREADONLY',
  disconnected: 'CONNECTING',
  expired: 'CLOSED',
  authFailed: 'AUTH_FAILED',
  closed: 'CLOSED',
}

/** A zkCli.sh-compatible shell over one session at a time. */
export class Shell implements CommandContext {
  /** The current session, if any. */
  client: ZooKeeperClient | undefined
  /** The connect string of the current (or last) session. */
  server: string
  /** Whether session events and fired watches are printed. */
  printWatches: boolean
  /** The output. */
  readonly output: ShellOutput
  /** The number the next history entry gets. */
  commandCount = 0
  private readonly history = new Map<number, string>()
  private readonly sessionTimeoutMs: number
  private readonly tls: TcpTlsOptions | undefined

  /** Creates a shell with no session yet; call {@link Shell.connect}. */
  constructor(options: ShellOptions) {
    this.server = options.server
    this.sessionTimeoutMs = options.sessionTimeoutMs
    this.tls = options.tls
    this.output = options.output
    this.printWatches = options.printWatches ?? true
  }

  /** The watcher every `-w` read and addWatch leaves: it prints the event as zkCli's default watcher does. */
  readonly watcher = (event: WatchedEvent): void => {
    if (this.printWatches) this.output.out(formatWatchedEvent(event).join('\n'))
  }

  /** The interactive prompt, `[zk: host:port(CONNECTED) 3] `. */
  prompt(): string {
    const state = this.client === undefined ? 'CLOSED' : promptStates[this.client.connectionState]
    return `[zk: ${this.server}(${state}) ${this.commandCount}] `
  }

  /**
   * Opens a session to `server` (closing the current one); says why on stderr when it cannot.
   * Returns whether a session is open.
   */
  async connect(server: string = this.server): Promise<boolean> {
    await this.closeSession()
    this.server = server
    if (this.printWatches) this.output.out(`Connecting to ${server}`)
    const result = await openSession(server, { sessionTimeoutMs: this.sessionTimeoutMs, onEvent: this.watcher, tls: this.tls })
    if ('error' in result) {
      this.output.err(result.error)
      return false
    }
    this.client = result.client
    this.watcher({ type: 'None', state: 'SyncConnected', path: undefined })
    return true
  }

  /** Closes the current session, if any. */
  async closeSession(): Promise<void> {
    const client = this.client
    if (client === undefined) return
    await client.close()
  }

  /** The connected client, or throws the `Not connected` line. */
  requireClient(): ZooKeeperClient {
    const client = this.client
    const state = client?.connectionState
    if (client === undefined || state === 'closed' || state === 'expired' || state === 'authFailed') throw new ShellError('Not connected')
    return client
  }

  /**
   * Runs one interactive line: records it in the history, then runs it. A line longer than
   * `shellCommandLineCharsMax` is refused with an error and neither run nor recorded.
   */
  async executeLine(line: string): Promise<CommandOutcome> {
    if (line.length > shellCommandLineCharsMax) {
      this.output.err(`Command line too long: ${line.length} characters, over shellCommandLineCharsMax (${shellCommandLineCharsMax})`)
      return 'failed'
    }
    const words = tokenize(line)
    if (words.length === 0) return 'ok'
    const number = this.commandCount
    this.history.set(number, line)
    this.history.delete(number - shellHistoryEntriesMax)
    const outcome = await this.execute(words, number)
    this.commandCount++
    return outcome
  }

  /** Runs one command given as words (the command name first), printing its output and errors. */
  async execute(words: readonly string[], historyNumber?: number): Promise<CommandOutcome> {
    const name = words[0] ?? ''
    if (name === 'history') return this.printHistory()
    if (name === 'redo') return this.redo(words, historyNumber)
    const command = commands.get(name)
    if (command === undefined) {
      this.output.err(usageText())
      this.output.err(`Command not found: ${name}`)
      return 'notFound'
    }
    const parsed = parseFor(command, words)
    if (typeof parsed === 'string') {
      this.output.err(parsed)
      return 'failed'
    }
    const count = parsed.args.length - 1
    if (count < command.argsMin || count > command.argsMax) {
      this.output.err(command.usage)
      return 'failed'
    }
    try {
      return (await command.run(this, parsed)) ?? 'ok'
    } catch (error) {
      if (error instanceof UsageError) this.output.err(command.usage)
      else this.output.err(error instanceof ShellError ? error.message : errorLine(error, parsed.args[1]))
      return 'failed'
    }
  }

  private printHistory(): CommandOutcome {
    for (let i = this.commandCount - 10; i <= this.commandCount; i++) {
      const line = this.history.get(i)
      if (line !== undefined) this.output.out(`${i} - ${line}`)
    }
    return 'ok'
  }

  // zkCli: the redone line takes the place of `redo N` in the history; redoing a redo is refused.
  private async redo(words: readonly string[], historyNumber: number | undefined): Promise<CommandOutcome> {
    const text = words[1]
    const index = text === undefined ? NaN : Number(text)
    if (words.length !== 2 || !Number.isInteger(index)) {
      this.output.err('redo cmdno')
      return 'failed'
    }
    const line = index >= 0 && index <= this.commandCount ? this.history.get(index) : undefined
    if (line === undefined) {
      this.output.err('Command index out of range')
      return 'failed'
    }
    const redone = tokenize(line)
    if (redone[0] === 'redo') {
      this.output.err('No redoing redos')
      return 'failed'
    }
    if (historyNumber !== undefined) this.history.set(historyNumber, line)
    return this.execute(redone, historyNumber)
  }

  /**
   * Tab completion as node:readline wants it: command names for the first word, znode paths
   * (the children of the typed parent) for a word starting with `/`.
   */
  async complete(line: string): Promise<[string[], string]> {
    const word = /(\S*)$/.exec(line)?.[1] ?? ''
    if (!/\s/.test(line.trimStart()) && !line.startsWith(' ')) {
      return [commandNames().filter((n) => n.startsWith(word)), word]
    }
    if (!word.startsWith('/') || this.client === undefined) return [[], word]
    const slash = word.lastIndexOf('/')
    const parent = slash === 0 ? '/' : word.slice(0, slash)
    const prefix = word.slice(slash + 1)
    const children = await withTimeout(this.client.getChildren(parent), shellCompletionTimeoutMs).catch(() => [])
    const base = parent === '/' ? '/' : `${parent}/`
    const matches = children.filter((c) => c.startsWith(prefix)).slice(0, shellCompletionsMax).map((c) => base + c)
    return [matches, word]
  }
}

/** The command's options and arguments, or what is wrong with them (in Commons CLI's words). */
function parseFor(command: Command, words: readonly string[]): ParsedArgs | string {
  const parsed = parseOptions(words, command.options)
  if (typeof parsed === 'string' || command.group === undefined) return parsed
  return optionGroupProblem(parsed, command.group) ?? parsed
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}
