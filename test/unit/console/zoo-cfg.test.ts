// Method: parse zoo.cfg text with the console's key and map it onto the server options, as `paddock server start` does.
import { describe, expect, it } from 'vitest'
import { parseZooCfg } from '../../../lib/config/zoo-cfg.js'
import { serverOptionsFor } from '../../../lib/host/zoo-cfg-options.js'

describe('admin.console.enabled (Paddock\'s own zoo.cfg key)', () => {
  it('turns the console on beside the admin server, without a warning', () => {
    const config = parseZooCfg('dataDir=/tmp/x\nclientPort=2181\nadmin.serverPort=8080\nadmin.console.enabled=true\n')
    expect(config.adminConsoleEnabled).toBe(true)
    expect(config.warnings).toEqual([])
    expect(serverOptionsFor(config)).toMatchObject({ adminServerPort: 8080, adminConsoleEnabled: true })
  })

  it('is off by default', () => {
    const config = parseZooCfg('dataDir=/tmp/x\nclientPort=2181\nadmin.serverPort=8080\n')
    expect(config.adminConsoleEnabled).toBe(false)
    expect(serverOptionsFor(config).adminConsoleEnabled).toBeUndefined()
  })
})
