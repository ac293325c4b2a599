/**
 * The console page: six views (Tree, Live, Ensemble, Metrics, Sessions, Commands) over the
 * console's JSON API. Compiled by lib/console/page/tsconfig.json (DOM types, browser ES modules)
 * into dist/lib/console/page; the server sends each module as `assets/<name>.js`. This module
 * holds the tree, the live view and what ties the views together; the others have their own.
 * @module
 */
import type { ChildJson, ChildrenPageJson, EnsembleJson, NodeJson, SessionJson, WatchEventJson } from '../api-types.js'
import { charts } from './charts.js'
import { setCommandMembers, setUpCommands } from './commands.js'
import { $, $input, api, ApiError, browser, button, clock, el, failed, pollMs, say } from './core.js'
import { renderEnsemble } from './ensemble.js'
import { refreshSessions } from './sessions.js'

const pageSize = 100

// ------------------------------------------------------------------------------------------
// Views and keyboard

const views = ['tree', 'live', 'ensemble', 'metrics', 'sessions', 'commands'] as const
type View = (typeof views)[number]

function show(view: View): void {
  say('')
  for (const name of views) {
    $(`view-${name}`).hidden = name !== view
    $(`tab-${name}`).setAttribute('aria-selected', String(name === view))
  }
  if (view === 'metrics') charts.resize()
  if (view === 'sessions') void refreshSessions()
}

function setUpTabs(): void {
  for (const name of views) $(`tab-${name}`).addEventListener('click', () => show(name))
  document.addEventListener('keydown', (event) => {
    const index = Number(event.key) - 1
    if (event.altKey && index >= 0 && index < views.length) {
      event.preventDefault()
      show(views[index] as View)
      $(`tab-${views[index] as View}`).focus()
    }
  })
}

// ------------------------------------------------------------------------------------------
// Sign-in

function renderAuth(): void {
  const form = $('auth') as HTMLFormElement
  form.replaceChildren()
  if (browser.session.user !== null) {
    form.append(el('span', { class: 'badge', id: 'identity' }, `digest: ${browser.session.user}`), button('Sign out', () => void signOut()))
    return
  }
  const user = el('input', { id: 'user', 'aria-label': 'Digest user', placeholder: 'user', autocomplete: 'username' })
  const password = el('input', { id: 'password', type: 'password', 'aria-label': 'Password', placeholder: 'password', autocomplete: 'current-password' })
  form.append(el('span', { class: 'badge', id: 'identity' }, 'read-only'), user, password, el('button', { id: 'sign-in' }, 'Sign in'))
}

async function signIn(event: SubmitEvent): Promise<void> {
  event.preventDefault()
  if (browser.session.user !== null) return
  try {
    const { user } = await api<{ user: string }>('login', {}, { user: $input('user').value, password: $input('password').value })
    browser.session = { ...browser.session, user }
    // Reread the node first: what it offers may change with the identity.
    await openNode(current.path)
    renderAuth()
    say(`Signed in as ${user}; the ACLs decide what you may change`, 'ok')
  } catch (error) {
    failed(error)
  }
}

async function signOut(): Promise<void> {
  await api('logout', {}, {}).catch(failed)
  browser.session = { ...browser.session, user: null }
  await openNode(current.path)
  renderAuth()
  say('Signed out: read-only')
}

// ------------------------------------------------------------------------------------------
// Tree

const current = { path: '/', offset: 0, filter: '', node: undefined as NodeJson | undefined }
let dataMode: 'text' | 'json' | 'hex' = 'text'

function join(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i <= 0 ? '/' : path.slice(0, i)
}

async function openNode(path: string): Promise<void> {
  if (path !== current.path) {
    say('')
    // The old node's forms must not be used for the new one while it loads.
    $('detail').replaceChildren(el('p', { class: 'count' }, `Loading ${path}…`))
    current.offset = 0
    current.filter = ''
    $input('filter').value = ''
  }
  current.path = path
  const navigation = ++navigations
  $input('path').value = path
  renderCrumbs(path)
  try {
    const [node] = await Promise.all([api<NodeJson>('node', { path }), loadChildren()])
    // A later navigation owns the page now: drop this answer rather than show the wrong node.
    if (navigation !== navigations) return
    current.node = node
    renderDetail(node)
  } catch (error) {
    if (navigation !== navigations) return
    $('detail').replaceChildren()
    failed(error)
  }
}

/** Counts navigations, so an answer that arrives after a later one started is dropped. */
let navigations = 0

function renderCrumbs(path: string): void {
  const crumbs = $('crumbs')
  crumbs.replaceChildren()
  const parts = path.split('/').filter((p) => p !== '')
  const link = (label: string, target: string) => {
    const a = el('a', { href: `#${target}`, 'data-path': target }, label)
    a.addEventListener('click', (event) => {
      event.preventDefault()
      void openNode(target)
    })
    return a
  }
  crumbs.append(link('/', '/'))
  parts.forEach((part, i) => {
    if (i > 0) crumbs.append(' / ')
    crumbs.append(link(part, `/${parts.slice(0, i + 1).join('/')}`))
  })
}

async function loadChildren(): Promise<void> {
  const asked = { path: current.path, offset: current.offset, filter: current.filter }
  const page = await api<ChildrenPageJson>('children', { ...asked, limit: pageSize })
  if (asked.path !== current.path || asked.offset !== current.offset || asked.filter !== current.filter) return
  const list = $('children')
  list.replaceChildren()
  if (current.path !== '/') list.append(el('li', {}, button('..', () => void openNode(parentOf(current.path)), { 'data-name': '..' })))
  for (const child of page.children) list.append(childRow(current.path, child))
  const end = page.offset + page.children.length
  const filtered = page.matched === page.total ? '' : ` (${page.matched} match)`
  $('range').textContent = page.total === 0 ? 'no children' : `${page.matched === 0 ? 0 : page.offset + 1}–${end} of ${page.total}${filtered}`
  ;($('prev') as HTMLButtonElement).disabled = page.offset === 0
  ;($('next') as HTMLButtonElement).disabled = end >= page.matched
  const completions = $('completions')
  completions.replaceChildren(...page.children.slice(0, 50).map((c) => el('option', { value: join(current.path, c.name) })))
}

/**
 * One child in the tree: a toggle that lazily shows its own children a page at a time (nested
 * below it), and its name, which opens it.
 */
function childRow(parent: string, child: ChildJson): HTMLElement {
  const path = join(parent, child.name)
  const label = el('span', {}, child.name, child.ephemeral === true ? ' (ephemeral)' : '')
  const count = el('span', { class: 'count' }, child.numChildren === undefined || child.numChildren === 0 ? '' : String(child.numChildren))
  const open = el('button', { type: 'button', 'data-name': child.name, 'data-path': path }, label, count)
  open.addEventListener('click', () => void openNode(path))
  const row = el('li', {}, el('div', { class: 'node' }, open))
  if ((child.numChildren ?? 0) === 0) {
    row.firstElementChild?.prepend(el('span', { class: 'toggle' }))
    return row
  }
  const toggle = el('button', { type: 'button', class: 'toggle', 'aria-expanded': 'false', 'aria-label': `Show the children of ${path}`, 'data-toggle': path }, '▸')
  row.firstElementChild?.prepend(toggle)
  toggle.addEventListener('click', () => {
    const nested = row.querySelector(':scope > ul')
    if (nested !== null) {
      nested.remove()
      toggle.setAttribute('aria-expanded', 'false')
      toggle.textContent = '▸'
      return
    }
    const sub = el('ul', { class: 'children nested' })
    row.append(sub)
    toggle.setAttribute('aria-expanded', 'true')
    toggle.textContent = '▾'
    void loadNested(path, sub, 0)
  })
  return row
}

/** Appends a page of `path`'s children to `list`, with a button for the next page. */
async function loadNested(path: string, list: HTMLElement, offset: number): Promise<void> {
  try {
    const page = await api<ChildrenPageJson>('children', { path, offset, limit: pageSize })
    for (const child of page.children) list.append(childRow(path, child))
    const left = page.total - (page.offset + page.children.length)
    if (left > 0) {
      const more = button(`more… (${left} left)`, () => {
        more.parentElement?.remove()
        void loadNested(path, list, page.offset + page.children.length)
      })
      list.append(el('li', {}, more))
    }
  } catch (error) {
    failed(error)
  }
}

function bytesOf(base64: string): Uint8Array {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function base64Of(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function showData(bytes: Uint8Array): string {
  if (dataMode === 'hex') {
    const lines: string[] = []
    for (let i = 0; i < bytes.length && i < 65536; i += 16) {
      const row = [...bytes.slice(i, i + 16)]
      lines.push(`${i.toString(16).padStart(8, '0')}  ${row.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`)
    }
    return lines.join('\n')
  }
  const text = new TextDecoder().decode(bytes)
  if (dataMode === 'json') {
    try {
      return JSON.stringify(JSON.parse(text), null, 2)
    } catch {
      return `(not JSON)\n${text}`
    }
  }
  return text
}

function time(ms: number): string {
  return ms === 0 ? '0' : `${new Date(ms).toLocaleString()} (${new Date(ms).toISOString()})`
}

function renderDetail(node: NodeJson): void {
  const { stat } = node
  const bytes = bytesOf(node.data)
  const rows: [string, string][] = [
    ['czxid', stat.czxid],
    ['mzxid', stat.mzxid],
    ['pzxid', stat.pzxid],
    ['ctime', time(stat.ctime)],
    ['mtime', time(stat.mtime)],
    ['version', String(stat.version)],
    ['cversion', String(stat.cversion)],
    ['aversion', String(stat.aversion)],
    ['ephemeralOwner', stat.ephemeralOwner === '0x0' ? '0x0 (not ephemeral)' : `session ${stat.ephemeralOwner} (see Sessions)`],
    ['dataLength', String(stat.dataLength)],
    ['numChildren', String(stat.numChildren)],
  ]
  const modes = el('select', { id: 'data-mode', 'aria-label': 'Show data as' }, ...(['text', 'json', 'hex'] as const).map((m) => el('option', m === dataMode ? { value: m, selected: '' } : { value: m }, m)))
  modes.addEventListener('change', () => {
    dataMode = (modes as HTMLSelectElement).value as typeof dataMode
    renderDetail(node)
  })
  const detail = $('detail')
  detail.replaceChildren(
    el('h2', { id: 'node-path' }, node.path),
    el('div', { class: 'row' }, el('strong', {}, 'Data'), el('span', { class: 'count', id: 'data-size' }, `${bytes.length} bytes`), modes, button('Edit', () => renderEditor(node), { id: 'edit' })),
    el('pre', { id: 'data' }, showData(bytes)),
    el('div', { id: 'editor' }),
    el('h2', {}, 'Stat'),
    el('table', { id: 'stat' }, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v)))),
    el('div', { class: 'row' }, el('h2', {}, 'ACL'), button('Edit ACL', () => renderAclEditor(node), { id: 'edit-acl' })),
    el('table', { id: 'acl' }, ...node.acl.map((a) => el('tr', {}, el('td', {}, `${a.scheme}:${a.id}`), el('td', {}, a.perms)))),
    el('div', { id: 'acl-editor' }),
    el('h2', {}, 'Create a child'),
    createForm(node.path),
    el('h2', {}, 'Delete'),
    el('div', { id: 'delete-area' }, button(`Delete ${node.path}…`, () => void confirmDelete(node), { id: 'delete' })),
  )
}

function renderEditor(node: NodeJson): void {
  const box = el('textarea', { id: 'edit-data', 'aria-label': 'New data' }) as HTMLTextAreaElement
  box.value = new TextDecoder().decode(bytesOf(node.data))
  const save = button(`Save (version ${node.stat.version})`, () => void saveData(node, box.value), { id: 'save' })
  $('editor').replaceChildren(box, el('div', { class: 'row' }, save, button('Cancel', () => $('editor').replaceChildren())))
  box.focus()
}

async function saveData(node: NodeJson, text: string): Promise<void> {
  try {
    await api('set', {}, { path: node.path, data: base64Of(text), version: node.stat.version })
    await openNode(node.path)
    say(`Saved ${node.path}`, 'ok')
  } catch (error) {
    if (error instanceof ApiError && error.body.code === 'BADVERSION') {
      // Never overwrite: keep the user's text, say what happened, offer to reload.
      const fresh = await api<NodeJson>('node', { path: node.path }).catch(() => undefined)
      const now = fresh === undefined ? 'it is gone' : `it is now at version ${fresh.stat.version}`
      say(`Conflict (BADVERSION): ${node.path} changed since you read it at version ${node.stat.version}; ${now}. Nothing was overwritten; your text is still in the editor.`, 'error')
      return
    }
    failed(error)
  }
}

/** The ACL as lines of `scheme:id perms` (the id may hold colons: digest:user:hash). */
function renderAclEditor(node: NodeJson): void {
  const box = el('textarea', { id: 'edit-acl-text', 'aria-label': 'ACL, one scheme:id perms per line' }) as HTMLTextAreaElement
  box.value = node.acl.map((a) => `${a.scheme}:${a.id} ${a.perms}`).join('\n')
  const save = button(`Save ACL (aversion ${node.stat.aversion})`, () => void saveAcl(node, box.value), { id: 'save-acl' })
  $('acl-editor').replaceChildren(box, el('div', { class: 'row' }, save, button('Cancel', () => $('acl-editor').replaceChildren())))
  box.focus()
}

async function saveAcl(node: NodeJson, text: string): Promise<void> {
  const acl = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.lastIndexOf(' ')
      const identity = space < 0 ? line : line.slice(0, space)
      const colon = identity.indexOf(':')
      return { scheme: identity.slice(0, colon), id: identity.slice(colon + 1), perms: space < 0 ? '' : line.slice(space + 1) }
    })
  try {
    await api('acl', {}, { path: node.path, acl, aversion: node.stat.aversion })
    await openNode(node.path)
    say(`Saved the ACL of ${node.path}`, 'ok')
  } catch (error) {
    if (error instanceof ApiError && error.body.code === 'BADVERSION') {
      say(`Conflict (BADVERSION): the ACL of ${node.path} changed since you read it at aversion ${node.stat.aversion}. Nothing was overwritten.`, 'error')
      return
    }
    failed(error)
  }
}

const createModes: [string, number][] = [
  ['persistent', 0],
  ['ephemeral', 1],
  ['persistent sequential', 2],
  ['ephemeral sequential', 3],
  ['container', 4],
  ['persistent with TTL', 5],
  ['persistent sequential with TTL', 6],
]

function createForm(parent: string): HTMLElement {
  const name = el('input', { id: 'create-name', 'aria-label': 'Child name', placeholder: 'name' }) as HTMLInputElement
  const data = el('input', { id: 'create-data', 'aria-label': 'Child data', placeholder: 'data' }) as HTMLInputElement
  const mode = el('select', { id: 'create-mode', 'aria-label': 'Create mode' }, ...createModes.map(([label, value]) => el('option', { value: String(value) }, label))) as HTMLSelectElement
  const ttl = el('input', { id: 'create-ttl', 'aria-label': 'TTL in ms', placeholder: 'TTL ms', type: 'number', min: '1' }) as HTMLInputElement
  const form = el('form', { class: 'row', id: 'create' }, name, data, mode, ttl, el('button', { id: 'create-button' }, 'Create'))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const ttlMs = ttl.value === '' ? null : Number(ttl.value)
    api<{ path: string }>('create', {}, { path: join(parent, name.value), data: base64Of(data.value), mode: Number(mode.value), ttlMs })
      .then(async ({ path }) => {
        await openNode(parent)
        say(`Created ${path}`, 'ok')
      })
      .catch(failed)
  })
  return form
}

async function confirmDelete(node: NodeJson): Promise<void> {
  try {
    const { count } = await api<{ count: number }>('count', { path: node.path })
    const what = count === 1 ? `Delete ${node.path}?` : `Delete ${node.path} and everything under it: ${count} nodes?`
    const area = $('delete-area')
    const yes = button(count === 1 ? 'Delete 1 node' : `Delete ${count} nodes`, () => void doDelete(node, count), { id: 'confirm-delete' })
    area.replaceChildren(el('div', { class: 'confirm', role: 'alertdialog', id: 'confirm' }, el('p', {}, what), el('div', { class: 'row' }, yes, button('Cancel', () => renderDetail(node)))))
    yes.focus()
  } catch (error) {
    failed(error)
  }
}

async function doDelete(node: NodeJson, count: number): Promise<void> {
  try {
    const body = count === 1 ? { path: node.path, version: node.stat.version } : { path: node.path, recursive: true, count }
    const { deleted } = await api<{ deleted: number }>('delete', {}, body)
    await openNode(parentOf(node.path))
    say(`Deleted ${deleted} node${deleted === 1 ? '' : 's'}`, 'ok')
  } catch (error) {
    failed(error)
  }
}

function setUpTree(): void {
  $('jump').addEventListener('submit', (event) => {
    event.preventDefault()
    void openNode($input('path').value.trim() || '/')
  })
  let debounce: ReturnType<typeof setTimeout> | undefined
  $('filter').addEventListener('input', () => {
    clearTimeout(debounce)
    debounce = setTimeout(() => {
      current.filter = $input('filter').value
      current.offset = 0
      loadChildren().catch(failed)
    }, 200)
  })
  $('prev').addEventListener('click', () => {
    current.offset = Math.max(0, current.offset - pageSize)
    loadChildren().catch(failed)
  })
  $('next').addEventListener('click', () => {
    current.offset += pageSize
    loadChildren().catch(failed)
  })
}

// ------------------------------------------------------------------------------------------
// Live

let source: EventSource | undefined

function setUpLive(): void {
  $('watch-form').addEventListener('submit', (event) => {
    event.preventDefault()
    source?.close()
    const path = $input('watch-path').value
    const recursive = $input('watch-recursive').checked ? '1' : '0'
    source = new EventSource(`api/watch?${new URLSearchParams({ path, recursive }).toString()}`)
    $('watch-state').textContent = `connecting to ${path}…`
    ;($('watch-stop') as HTMLButtonElement).disabled = false
    source.addEventListener('ready', () => ($('watch-state').textContent = `watching ${path}${recursive === '1' ? ' and its subtree' : ''}`))
    source.addEventListener('end', (e) => {
      $('watch-state').textContent = `ended: ${(e as MessageEvent<string>).data}`
      source?.close()
    })
    source.addEventListener('message', (e) => addEvent(JSON.parse((e as MessageEvent<string>).data) as WatchEventJson))
    source.addEventListener('error', () => {
      if (source?.readyState === EventSource.CLOSED) $('watch-state').textContent = 'stream closed'
    })
  })
  $('watch-stop').addEventListener('click', () => {
    source?.close()
    source = undefined
    $('watch-state').textContent = 'stopped'
    ;($('watch-stop') as HTMLButtonElement).disabled = true
  })
}

function addEvent(event: WatchEventJson): void {
  const rows = $('events')
  rows.prepend(el('tr', {}, el('td', {}, clock(event.atMs)), el('td', {}, event.type), el('td', {}, event.path), el('td', {}, event.zxid ?? '')))
  while (rows.childElementCount > 500) rows.lastElementChild?.remove()
}

// ------------------------------------------------------------------------------------------

async function poll(): Promise<void> {
  try {
    const ensemble = await api<EnsembleJson>('ensemble')
    renderEnsemble(ensemble)
    charts.add(ensemble)
    setCommandMembers(ensemble.members.map((m) => m.name))
  } catch (error) {
    if (!$('view-ensemble').hidden || !$('view-metrics').hidden) failed(error)
  }
  if (!$('view-sessions').hidden) await refreshSessions()
}

// ------------------------------------------------------------------------------------------

async function start(): Promise<void> {
  setUpTabs()
  setUpTree()
  setUpLive()
  $('auth').addEventListener('submit', (event) => void signIn(event))
  browser.session = await api<SessionJson>('session')
  $('target').textContent = browser.session.target
  renderAuth()
  const initial = decodeURIComponent(location.hash.slice(1))
  await openNode(initial.startsWith('/') ? initial : '/')
  await Promise.all([poll(), setUpCommands()])
  setInterval(() => void poll(), pollMs)
  window.addEventListener('resize', () => charts.resize())
  document.body.dataset['ready'] = 'true'
}

start().catch(failed)
