// Method: a real 3-member TestingCluster (real clock), the console served over HTTP against it, and Debian's Chromium driven by playwright-core clicking through every view; each step is checked on the page and against the cluster.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import ts from 'typescript'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsole, type ConsoleSources } from '../../lib/console/console.js'
import type { MemberReport } from '../../lib/console/members.js'
import { startConsoleServer, type AdminServer } from '../../lib/host/admin-server.js'
import { digestId } from '../../lib/digest.js'
import { Perms } from '../../lib/protocol/data.js'
import { TestingCluster } from '../../lib/testing/index.js'
import { connect, type ZooKeeperClient } from '../../lib/client/index.js'
import { createServer, type Server } from '../../lib/index.js'

const chromiumPath = '/usr/bin/chromium'
const root = join(import.meta.dirname, '../..')
const screenshots = join(root, 'docs/console')
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

/** Every member's figures straight from the cluster; a stopped member is reported unreachable. */
function clusterSources(cluster: TestingCluster, sessionMember: number): ConsoleSources {
  return {
    target: 'TestingCluster (3 members)',
    openSession: () => cluster.connect(sessionMember),
    members: () =>
      Promise.resolve(
        [1, 2, 3].map((id): MemberReport => {
          const name = `member ${id}`
          if (!cluster.running.includes(id)) return { name, error: 'stopped' }
          const m = cluster.member(id)
          return { name, mntr: { server_state: m.mode, last_processed_zxid: m.lastZxid, znode_count: m.znodeCount, global_sessions: m.sessionCount } }
        }),
      ),
  }
}

/** Waits until the element shows `text` (a substring, or a pattern). */
async function see(page: Page, selector: string, text: string | RegExp): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor()
}

const describeWithChromium = existsSync(chromiumPath) ? describe : describe.skip

describeWithChromium('the web console in Chromium', () => {
  let cluster: TestingCluster
  let server: AdminServer
  let browser: Browser
  let page: Page
  let zk: ZooKeeperClient
  let leaderId: number
  let keepAlive: ReturnType<typeof setInterval> | undefined

  beforeAll(async () => {
    cluster = await TestingCluster.start({ size: 3, clock: 'real' })
    leaderId = (await cluster.waitForLeader()).myid
    const follower = cluster.running.find((id) => id !== leaderId) ?? 1
    zk = await cluster.connect(follower)
    // An in-process session does not ping, and the cluster's sessions time out after 2 s idle.
    keepAlive = setInterval(() => void zk.exists('/').catch(() => undefined), 300)
    await zk.create('/app', 'root')
    await zk.create('/app/config', '{"level":"debug","replicas":3}')
    await zk.create('/locked', 'bob only', { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('bob:builder') } }, { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }] })
    const web = createConsole(clusterSources(cluster, follower), { pageDirectory: transpilePage() })
    server = await startConsoleServer(web, { port: 0 })
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
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

  it('shows the members and their charts, and a new leader after the leader is killed', async () => {
    await page.locator('#tab-ensemble').click()
    await page.locator(`#members tr[data-member="member ${leaderId}"][data-role="leader"]`).waitFor()
    await expect.poll(() => page.locator('#members tr[data-role="follower"]').count(), { timeout: stepMs }).toBe(2)
    await page.screenshot({ path: join(screenshots, 'ensemble.png') })
    await page.locator('#tab-metrics').click()
    await expect.poll(() => page.locator('#charts .uplot').count(), { timeout: stepMs }).toBe(5)
    await page.locator('#tab-ensemble').click()
    await cluster.kill(leaderId)
    await page.locator(`#members tr[data-member="member ${leaderId}"][data-role="unreachable"]`).waitFor({ timeout: 20_000 })
    await page.locator('#members tr[data-role="leader"]').waitFor({ timeout: 20_000 })
    const newLeader = await page.locator('#members tr[data-role="leader"]').getAttribute('data-member')
    expect(newLeader).not.toBe(`member ${leaderId}`)
  }, 45_000)
})

describeWithChromium('the console the admin server serves (admin.console.enabled)', () => {
  let server: Server
  let zk: ZooKeeperClient
  let browser: Browser
  let base: string

  beforeAll(async () => {
    transpilePage()
    server = await createServer({ port: 0, adminServerPort: 0, adminConsoleEnabled: true })
    zk = await connect(server.connectString ?? '')
    base = `http://127.0.0.1:${server.adminAddress?.port ?? 0}/console/`
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
    await zk?.close()
    await server?.close()
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

  it('charts the member\'s own figures while clients work', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.setDefaultTimeout(stepMs)
    await page.goto(base)
    await page.locator('body[data-ready="true"]').waitFor()
    await page.locator('#tab-metrics').click()
    await expect.poll(() => page.locator('#charts .uplot').count(), { timeout: stepMs }).toBe(5)
    await page.locator(`#sessions tr[data-session="0x${zk.sessionId.toString(16)}"]`).waitFor({ state: 'attached' })
    const stop = Date.now() + 7000
    let i = 0
    while (Date.now() < stop) {
      await Promise.all(Array.from({ length: 20 }, () => zk.create(`/load-${i++}`, 'x').then((p) => zk.getData(p))))
      await new Promise((resolve) => setTimeout(resolve, 20 + (i % 200)))
    }
    await page.screenshot({ path: join(screenshots, 'metrics.png') })
    await page.close()
  }, 30_000)
})
