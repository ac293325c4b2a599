/**
 * The Commands view: runs one of the read-only commands the console offers (the admin server's,
 * on a member's own console; the four-letter words, from `paddock ui`) on a member, and shows its
 * output as the member wrote it.
 * @module
 */
import type { CommandJson, CommandOutputJson } from '../api-types.js'
import { $, api, clock, el, failed } from './core.js'

/** Fills the command list, and runs the chosen command when the form is sent. */
export async function setUpCommands(): Promise<void> {
  $('command-form').addEventListener('submit', (event) => {
    event.preventDefault()
    void run()
  })
  let commands: CommandJson[]
  try {
    ;({ commands } = await api<{ commands: CommandJson[] }>('commands'))
  } catch (error) {
    commands = []
    failed(error)
  }
  const options = commands.map((c) => el('option', { value: c.name }, c.aliases.length === 0 ? c.name : `${c.name} (${c.aliases.join(', ')})`))
  $('command-name').replaceChildren(...options)
  ;($('command-run') as HTMLButtonElement).disabled = commands.length === 0
  if (commands.length === 0) $('command-about').textContent = 'This console offers no commands.'
  else $('command-about').textContent = `${commands.length} read-only ${commands[0]?.kind === 'admin' ? 'admin commands (JSON, as the admin server answers them)' : 'four-letter words (text; a server answers only those in its 4lw.commands.whitelist)'}`
}

/** Keeps the member list in step with the members the Ensemble view shows (the choice made stays). */
export function setCommandMembers(names: readonly string[]): void {
  const select = $('command-member') as HTMLSelectElement
  const shown = [...select.options].map((o) => o.value)
  if (shown.join('\n') === names.join('\n')) return
  const chosen = select.value
  select.replaceChildren(...names.map((name) => el('option', { value: name }, name)))
  if (names.includes(chosen)) select.value = chosen
}

async function run(): Promise<void> {
  const member = ($('command-member') as HTMLSelectElement).value
  const name = ($('command-name') as HTMLSelectElement).value
  $('command-meta').textContent = `running ${name} on ${member}…`
  try {
    const answer = await api<CommandOutputJson>('command', { member, name })
    $('command-output').textContent = answer.output
    $('command-output').dataset['command'] = answer.command
    $('command-meta').textContent = `${answer.command} on ${answer.member} at ${clock(answer.atMs)}`
  } catch (error) {
    $('command-meta').textContent = ''
    failed(error)
  }
}
