/**
 * What every view of the console page shares: the API call (with the browser session's token on
 * POSTs), building elements (data always inserted as text), and the status line.
 * @module
 */
import type { ErrorJson, SessionJson } from '../api-types.js'

/** How often the page reads the members' figures (and the sessions, while they show), ms. */
export const pollMs = 2000

/** A failed API call, with ZooKeeper's code (or the console's own) when there is one. */
export class ApiError extends Error {
  /** Wraps the answer `body` of HTTP status `status`. */
  constructor(
    readonly status: number,
    readonly body: ErrorJson,
  ) {
    super(body.code === undefined ? body.error : `${body.code}: ${body.error}`)
  }
}

/** The browser session: its token (sent on every POST), its user and what the console shows. */
export const browser: { session: SessionJson } = { session: { token: '', user: null, target: '' } }

/** Calls `api/<name>` with `params` in the query, and POSTs `body` as JSON when there is one. */
export async function api<T>(name: string, params: Record<string, string | number> = {}, body?: object): Promise<T> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()
  // A new change clears the last one's message, so what shows is always about the latest.
  if (body !== undefined) say('')
  const headers = { 'Content-Type': 'application/json', 'x-paddock-console-token': browser.session.token }
  const init: RequestInit = body === undefined ? {} : { method: 'POST', headers, body: JSON.stringify(body) }
  const response = await fetch(`api/${name}${query === '' ? '' : `?${query}`}`, { credentials: 'same-origin', ...init })
  const json = (await response.json()) as unknown
  if (!response.ok) throw new ApiError(response.status, json as ErrorJson)
  return json as T
}

/** The element with `id`; throws when the page has none. */
export function $(id: string): HTMLElement {
  const found = document.getElementById(id)
  if (found === null) throw new Error(`no #${id}`)
  return found
}

/** The input with `id`. */
export function $input(id: string): HTMLInputElement {
  return $(id) as HTMLInputElement
}

/** A child of {@link el}: an element, or text (never parsed as HTML). */
export type Child = Node | string

/** A new `tag` element with `attrs` and `children`. */
export function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, value)
  element.append(...children)
  return element
}

/** A button labelled `label` that calls `onClick`. */
export function button(label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLElement {
  const b = el('button', { type: 'button', ...attrs }, label)
  b.addEventListener('click', onClick)
  return b
}

/** A table of `rows` under `columns` headings, each cell marked with its column's key (`data-column`). */
export function table<T>(id: string, columns: readonly (readonly [key: string, title: string, cell: (row: T) => string])[], rows: readonly T[], rowAttrs: (row: T) => Record<string, string>): HTMLElement {
  const head = el('thead', {}, el('tr', {}, ...columns.map(([, title]) => el('th', {}, title))))
  const body = el('tbody', {}, ...rows.map((row) => el('tr', rowAttrs(row), ...columns.map(([key, , cell]) => el('td', { 'data-column': key }, cell(row))))))
  const found = $(id)
  found.replaceChildren(head, body)
  return found
}

/** Shows `text` in the status line. */
export function say(text: string, kind: 'error' | 'ok' | '' = ''): void {
  const message = $('message')
  message.textContent = text
  message.className = kind
}

/** Shows a failure in the status line. */
export function failed(error: unknown): void {
  say(error instanceof Error ? error.message : String(error), 'error')
}

/** A time of day, as the browser's locale writes it. */
export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString()
}

/** A duration in seconds with one decimal. */
export function seconds(ms: number | undefined): string {
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`
}
