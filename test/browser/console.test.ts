// Method: a real 3-member TestingCluster (real clock, client ports) with the console served against it as `paddock ui` serves it (TCP sessions, four-letter words), a standalone server's own console, and one over HTTPS with openssl-made certificates; Debian's Chromium driven by playwright-core clicks through every view, and each step is checked on the page and against the cluster.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { get as httpsGet } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tcpConsoleSources } from '../../lib/cli/ui-command.js'
import { createConsole } from '../../lib/console/console.js'
import { startConsoleServer, type AdminServer } from '../../lib/host/admin-server.js'
import { digestId } from '../../lib/digest.js'
import { CreateMode } from '../../lib/protocol/create-mode.js'
import { Perms } from '../../lib/protocol/data.js'
import { TestingCluster } from '../../lib/testing/index.js'
import { connect, type ZooKeeperClient } from '../../lib/client/index.js'
import { createServer, type Server } from '../../lib/index.js'
import { makeCertificates, pem, type Certificates } from '../integration/tls/certs.js'

const chromiumPath = '/usr/bin/chromium'
const root = join(import.meta.dirname, '../..')
/** The docs' screenshots are rewritten only when asked (`PADDOCK_SCREENSHOTS=docs`), so a test run leaves the tree clean. */
const screenshots = process.env.PADDOCK_SCREENSHOTS === 'docs' ? join(root, 'docs/console') : join(tmpdir(), 'paddock-console-screenshots')
const stepMs = 10_000

/**
 * The page's script, transpiled from lib/console/page to where the build puts it (dist/lib/console/page,
 * where a console run from the TypeScript sources finds it), so the test never runs a stale page.
 * The build type-checks the page; here only the JavaScript is needed.
 */
function transpilePage(): string {
  const out = join(root, 'dist/lib/console/page')
  mkdirSync(out, { recursive: true })
  const dir = join(root, 'lib/console/page')
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(join(dir, name), 'utf8'), { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, verbatimModuleSyntax: true } })
    writeFileSync(join(out, name.replace(/\.ts$/, '.js')), outputText)
  }
  return out
}

/** Waits until the element shows `text` (a substring, or a pattern). */
async function see(page: Page, selector: string, text: string | RegExp): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor()
}

const describeWithChromium = existsSync(chromiumPath) ? describe : describe.skip

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Runs `command` on `member` in the Commands view and waits for its output to show `text`. */
async function runCommand(page: Page, member: string, command: string, text: string | RegExp): Promise<void> {
  await page.locator('#tab-commands').click()
  await page.locator(`#command-member option[value="${member}"]`).waitFor({ state: 'attached' })
  await page.selectOption('#command-member', member)
  await page.selectOption('#command-name', command)
  await page.locator('#command-run').click()
  await see(page, `#command-output[data-command="${command}"]`, text)
}

/** The Sessions view's row of `zk`'s session once it shows `ephemeral` and `watched`. */
async function seeSession(page: Page, zk: ZooKeeperClient, ephemeral: string, watched: string): Promise<void> {
  await page.locator('#tab-sessions').click()
  const row = `#sessions tr[data-session="0x${zk.sessionId.toString(16)}"]`
  await see(page, `${row} td[data-column="ephemerals"]`, ephemeral)
  await see(page, `${row} td[data-column="watches"]`, watched)
}

describeWithChromium('the web console in Chromium', () => {
  let cluster: TestingCluster
  let server: AdminServer
  let browser: Browser
  let page: Page
  let zk: ZooKeeperClient
  let leaderId: number
  let follower: number
  let keepAlive: ReturnType<typeof setInterval> | undefined
  /** The console's name of member `id`: its client address (the cluster's connect string lists them in id order). */
  let nameOf: (id: number) => string

  beforeAll(async () => {
    cluster = await TestingCluster.start({ size: 3, clock: 'real', clientPorts: true })
    const names = cluster.connectString.split(',')
    nameOf = (id) => names[id - 1] ?? ''
    leaderId = (await cluster.waitForLeader()).myid
    follower = cluster.running.find((id) => id !== leaderId) ?? 1
    zk = await cluster.connect(follower)
    // An in-process session does not ping, and the cluster's sessions time out after 2 s idle.
    keepAlive = setInterval(() => void zk.exists('/').catch(() => undefined), 300)
    await zk.create('/app', 'root')
    await zk.create('/app/config', '{"level":"debug","replicas":3}')
    await zk.create('/locked', 'bob only', { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('bob:builder') } }, { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }] })
    // What `paddock ui --connect` serves: TCP sessions, and four-letter words to every member.
    const web = createConsole({ ...tcpConsoleSources(cluster.connectString), target: 'TestingCluster (3 members)' }, { pageDirectory: transpilePage() })
    server = await startConsoleServer(web, { port: 0 })
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.setDefaultTimeout(stepMs)
    mkdirSync(screenshots, { recursive: true })
    await page.goto(`http://127.0.0.1:${server.address.port}/#/app`)
    await page.locator('body[data-ready="true"]').waitFor()
  }, 60_000)

  afterAll(async () => {
    clearInterval(keepAlive)
    await browser?.close()
    await server?.close()
    await zk?.close().catch(() => undefined)
    await cluster?.close()
  })

  it('browses to a node and shows its data, Stat and ACL, read-only before sign-in', async () => {
    await see(page, '#identity', 'read-only')
    await page.locator('#children button[data-name="config"]').click()
    await see(page, '#node-path', '/app/config')
    await see(page, '#data', '{"level":"debug","replicas":3}')
    await page.selectOption('#data-mode', 'json')
    await see(page, '#data', '"replicas": 3')
    await see(page, '#stat', /mzxid\s*0x[0-9a-f]+/)
    await see(page, '#acl', 'world:anyone')
    await page.locator('#edit').click()
    await page.locator('#save').click()
    await see(page, '#message', 'READONLY')
  })

  it('edits data with the version read, after a digest sign-in', async () => {
    await page.fill('#user', 'alice')
    await page.fill('#password', 'secret')
    await page.locator('#sign-in').click()
    await see(page, '#identity', 'digest: alice')
    await page.locator('#edit').click()
    await page.fill('#edit-data', 'edited in the console')
    await page.locator('#save').click()
    await see(page, '#data', 'edited in the console')
    expect((await zk.getString('/app/config')).data).toBe('edited in the console')
  })

  it('shows a BADVERSION conflict instead of overwriting a concurrent change', async () => {
    await page.locator('#edit').click()
    await zk.setData('/app/config', 'changed by another client')
    await page.fill('#edit-data', 'stale edit')
    await page.locator('#save').click()
    await see(page, '#message', 'BADVERSION')
    expect(await page.inputValue('#edit-data')).toBe('stale edit')
    expect((await zk.getString('/app/config')).data).toBe('changed by another client')
  })

  it('creates a subtree, expands it in the tree, and deletes it recursively after a confirmation naming the count', async () => {
    await page.fill('#path', '/app')
    await page.locator('#jump button').click()
    await see(page, '#node-path', /^\/app$/)
    await page.fill('#create-name', 'sub')
    await page.locator('#create-button').click()
    await page.locator('#children button[data-name="sub"]').click()
    await see(page, '#node-path', /^\/app\/sub$/)
    for (const name of ['a', 'b']) {
      await page.fill('#create-name', name)
      await page.locator('#create-button').click()
      await page.locator(`#children button[data-name="${name}"]`).waitFor()
    }
    expect(await zk.getChildren('/app/sub')).toEqual(['a', 'b'])
    // The tree: expand /app/sub under /app lazily, then open it from there.
    await page.fill('#path', '/app')
    await page.locator('#jump button').click()
    await page.locator('#children [data-toggle="/app/sub"]').click()
    await page.locator('#children button[data-path="/app/sub/b"]').waitFor()
    await see(page, '#node-path', /^\/app$/)
    await page.selectOption('#data-mode', 'hex')
    await page.screenshot({ path: join(screenshots, 'tree.png') })
    await page.selectOption('#data-mode', 'text')
    await page.locator('#children button[data-path="/app/sub"]').click()
    await see(page, '#node-path', /^\/app\/sub$/)
    await page.locator('#delete').click()
    await see(page, '#confirm', '3 nodes')
    await page.locator('#confirm-delete').click()
    await see(page, '#message', 'Deleted 3 nodes')
    expect(await zk.exists('/app/sub')).toBeNull()
  })

  it('is refused a write and an ACL change that the ACL forbids', async () => {
    await page.fill('#path', '/locked')
    await page.locator('#jump button').click()
    await see(page, '#data', 'bob only')
    await see(page, '#acl', 'digest:bob:')
    await page.locator('#edit').click()
    await page.fill('#edit-data', 'alice was here')
    await page.locator('#save').click()
    await see(page, '#message', 'NOAUTH')
    expect((await zk.getString('/locked')).data).toBe('bob only')
    await page.locator('#edit-acl').click()
    await page.fill('#edit-acl-text', 'world:anyone cdrwa')
    await page.locator('#save-acl').click()
    await see(page, '#message', /NOAUTH.*\/locked/)
    expect((await zk.getACL('/locked')).acl).toHaveLength(2)
  })

  it('streams watch events of a subtree with their zxids', async () => {
    await page.locator('#tab-live').click()
    await page.fill('#watch-path', '/app')
    await page.locator('#watch-start').click()
    await see(page, '#watch-state', 'watching /app')
    await zk.create('/app/live', 'x')
    await zk.setData('/app/config', 'watched change')
    await see(page, '#events tr', /NodeCreated\s*\/app\/live\s*0x/)
    await see(page, '#events tr', /NodeDataChanged\s*\/app\/config\s*0x/)
    await page.screenshot({ path: join(screenshots, 'live.png') })
  })

  it('lists a TCP session with its ephemeral node and its watch (cons, dump and wchc)', async () => {
    const owner = await cluster.connectTcp()
    try {
      await owner.create('/app/owned', 'mine', { mode: CreateMode.EPHEMERAL })
      await owner.getData('/locked', { watch: () => undefined })
      await seeSession(page, owner, '/app/owned', '/locked')
      await see(page, `#sessions tr[data-session="0x${owner.sessionId.toString(16)}"] td[data-column="timeout"]`, / s$/)
      await page.screenshot({ path: join(screenshots, 'sessions.png') })
    } finally {
      await owner.close()
    }
  })

  it('shows a member\'s srvr output in the Commands view', async () => {
    await runCommand(page, nameOf(leaderId), 'srvr', /Zookeeper version: .*\n[\s\S]*Mode: leader/)
    await page.screenshot({ path: join(screenshots, 'commands.png') })
  })

  it('shows a follower\'s lag behind the leader while it receives the leader\'s messages late', async () => {
    await page.locator('#tab-ensemble').click()
    const slow = cluster.running.find((id) => id !== leaderId && id !== follower) ?? follower
    const lag = `#members tr[data-member="${nameOf(slow)}"] td[data-column="lag"]`
    await see(page, lag, /^0$/)
    cluster.delay(leaderId, slow, 150)
    let writing = true
    const writer = (async () => {
      for (let i = 0; writing; i++) await zk.setData('/app/config', `write ${i}`)
    })()
    try {
      await see(page, lag, /^[1-9]\d*$/)
    } finally {
      writing = false
      await writer
      cluster.heal()
    }
    await see(page, lag, /^0$/)
  }, 30_000)

  it('shows the members and their charts, and after the leader is killed a new leader with the election and the role changes', async () => {
    await page.locator('#tab-ensemble').click()
    await page.locator(`#members tr[data-member="${nameOf(leaderId)}"][data-role="leader"]`).waitFor()
    await expect.poll(() => page.locator('#members tr[data-role="follower"]').count(), { timeout: stepMs }).toBe(2)
    await page.locator('#tab-metrics').click()
    await expect.poll(() => page.locator('#charts .uplot').count(), { timeout: stepMs }).toBe(7)
    await page.locator('#tab-ensemble').click()
    await cluster.kill(leaderId)
    await page.locator(`#members tr[data-member="${nameOf(leaderId)}"][data-role="unreachable"]`).waitFor({ timeout: 20_000 })
    await page.locator('#members tr[data-role="leader"]').waitFor({ timeout: 20_000 })
    const newLeader = await page.locator('#members tr[data-role="leader"]').getAttribute('data-member')
    expect(newLeader).not.toBe(nameOf(leaderId))
    const newLeaderId = (await cluster.waitForLeader()).myid
    expect(newLeader).toBe(nameOf(newLeaderId))
    // The history: the new leader, after the old one, and how long there was none.
    await see(page, `#election-history tr[data-leader="${newLeader}"] td[data-column="previous"]`, nameOf(leaderId))
    await see(page, `#election-history tr[data-leader="${newLeader}"] td[data-column="leaderless"]`, /\d s$/)
    await see(page, '#leader-summary', `Last election seen at`)
    await see(page, '#leader-summary', `${newLeader ?? ''} leads after ${nameOf(leaderId)}; no leader for`)
    await page.locator(`#role-changes tr[data-member="${nameOf(leaderId)}"][data-to="unreachable"]`).waitFor()
    await page.locator(`#role-changes tr[data-member="${newLeader}"][data-to="leader"]`).waitFor()
    await see(page, `#members tr[data-member="${newLeader}"] td[data-column="lag"]`, /^0$/)
    await page.screenshot({ path: join(screenshots, 'ensemble.png') })
  }, 45_000)
})

describeWithChromium('the console the admin server serves (admin.console.enabled)', () => {
  let server: Server
  let zk: ZooKeeperClient
  let browser: Browser
  let base: string
  let dataDir: string

  beforeAll(async () => {
    transpilePage()
    // On disk, so the log's fsyncs are real and the fsync chart has something to draw.
    dataDir = await mkdtemp(join(tmpdir(), 'paddock-console-'))
    server = await createServer({ port: 0, dataDir, adminServerPort: 0, adminConsoleEnabled: true })
    zk = await connect(server.connectString ?? '')
    base = `http://127.0.0.1:${server.adminAddress?.port ?? 0}/console/`
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
    await zk?.close()
    await server?.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('refuses a POST without the session token, or from another origin', async () => {
    const session = await fetch(`${base}api/session`)
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const { token } = (await session.json()) as { token: string }
    const post = (headers: Record<string, string>) => fetch(`${base}api/login`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, ...headers }, body: '{"user":"eve","password":"x"}' })
    expect(await (await post({})).json()).toMatchObject({ code: 'CSRF' })
    expect((await post({ 'x-paddock-console-token': token, origin: 'http://evil.example' })).status).toBe(403)
    expect((await post({ 'x-paddock-console-token': token })).status).toBe(200)
    // fetch cannot set Host; a DNS-rebinding page would make the browser send its own name.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(`${base}api/session`, { headers: { host: 'rebound.example' } }, (res) => resolve(res.resume().statusCode)).on('error', reject).end()
    })
    expect(status).toBe(421)
  })

  it('charts the member\'s own figures while clients work, latency percentiles and fsync times among them', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.setDefaultTimeout(stepMs)
    await page.goto(base)
    await page.locator('body[data-ready="true"]').waitFor()
    await page.locator('#tab-metrics').click()
    await expect.poll(() => page.locator('#charts .uplot').count(), { timeout: stepMs }).toBe(7)
    const stop = Date.now() + 7000
    let i = 0
    while (Date.now() < stop) {
      await Promise.all(Array.from({ length: 20 }, () => zk.create(`/load-${i++}`, 'x').then((p) => zk.getData(p))))
      await new Promise((resolve) => setTimeout(resolve, 20 + (i % 200)))
    }
    // Percentiles need two readings with requests between them; the load spans several.
    await page.locator('#charts [data-chart="latency"]:not([data-points="0"])').waitFor()
    await page.locator('#charts [data-chart="fsync"]:not([data-points="0"])').waitFor()
    await page.screenshot({ path: join(screenshots, 'metrics.png') })
    await page.close()
  }, 30_000)

  it('lists the sessions with their ephemerals and watches, and runs srvr, from the member\'s own admin commands', async () => {
    await zk.create('/lock', 'held', { mode: CreateMode.EPHEMERAL })
    await zk.exists('/awaited', { watch: () => undefined })
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.setDefaultTimeout(stepMs)
    await page.goto(base)
    await page.locator('body[data-ready="true"]').waitFor()
    await seeSession(page, zk, '/lock', '/awaited')
    await runCommand(page, 'standalone', 'server_stats', '"server_state": "standalone"')
    // Commands that change something are POST commands, never offered.
    expect(await page.locator('#command-name option[value="stat_reset"]').count()).toBe(0)
    expect(await page.locator('#command-name option[value="monitor"]').count()).toBe(1)
    await page.close()
  })
})

describeWithChromium('the console over HTTPS', () => {
  let certs: Certificates
  let server: Server
  let ui: AdminServer
  let browser: Browser

  beforeAll(async () => {
    transpilePage()
    certs = await makeCertificates()
    const tls = { key: pem(certs.server.key), cert: pem(certs.server.cert) }
    server = await createServer({ port: 0, adminServerPort: 0, adminConsoleEnabled: true, adminServerTls: tls })
    ui = await startConsoleServer(createConsole(tcpConsoleSources(server.connectString ?? '')), { port: 0, tls })
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
    await ui?.close()
    await server?.close()
    await rm(certs?.dir ?? join(tmpdir(), 'none'), { recursive: true, force: true })
  })

  /** GETs `url` trusting only the test CA; resolves to the status and the Set-Cookie header. */
  function fetchTrusting(url: string): Promise<{ status: number; cookie: string }> {
    return new Promise((resolve, reject) => {
      httpsGet(url, { ca: pem(certs.ca) }, (res) => resolve({ status: res.resume().statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '') })).on('error', reject)
    })
  }

  it('serves the admin server, its console and paddock ui\'s with the certificate the test CA signed, and no plain HTTP', async () => {
    const admin = `https://127.0.0.1:${server.adminAddress?.port ?? 0}`
    expect(await fetchTrusting(`${admin}/commands/ruok`)).toMatchObject({ status: 200 })
    const session = await fetchTrusting(`${admin}/console/api/session`)
    expect(session.status).toBe(200)
    expect(session.cookie).toMatch(/; Secure/)
    expect(await fetchTrusting(`https://localhost:${ui.address.port}/`)).toMatchObject({ status: 200 })
    expect(ui.protocol).toBe('https')
    await expect(fetch(`http://127.0.0.1:${server.adminAddress?.port ?? 0}/commands/ruok`)).rejects.toThrow()
  })

  it('loads in Chromium over HTTPS and signs in with the session token over it', async () => {
    // Chromium does not know the test CA: it is told to go on (the Node check above verifies the chain).
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: true })
    const page = await context.newPage()
    page.setDefaultTimeout(stepMs)
    await page.goto(`https://127.0.0.1:${server.adminAddress?.port ?? 0}/console/`)
    await page.locator('body[data-ready="true"]').waitFor()
    expect(new URL(page.url()).protocol).toBe('https:')
    await page.fill('#user', 'alice')
    await page.fill('#password', 'secret')
    await page.locator('#sign-in').click()
    await see(page, '#identity', 'digest: alice')
    await page.locator('#tab-ensemble').click()
    await page.locator('#members tr[data-member="standalone"][data-role="standalone"]').waitFor()
    await context.close()
  })
})
