import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseWindowsFindNetRoute, windowsFindNetRouteArgs } from '../../../../src/platform/parsers/route-windows.js'

function readFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/find-netroute/${name}`, import.meta.url), 'utf8')
}

describe('windowsFindNetRouteArgs', () => {
  it('builds the argv after the powershell binary', () => {
    expect(windowsFindNetRouteArgs('10.79.197.200')).toEqual([
      '-NoProfile',
      '-Command',
      'Find-NetRoute -RemoteIPAddress 10.79.197.200 | Select-Object -Last 1 DestinationPrefix,NextHop,InterfaceAlias,InterfaceIndex,RouteMetric | ConvertTo-Json -Compress',
    ])
  })

  it('refuses anything but an IP, because it becomes PowerShell code', () => {
    expect(() => windowsFindNetRouteArgs('1.1.1.1; Remove-Item C:\\')).toThrow(/not an IP address/)
  })
})

describe('parseWindowsFindNetRoute', () => {
  it('reads the route of the documented example', () => {
    const stdout = readFixture('windows-server-doc-example.derived.json')
    expect(parseWindowsFindNetRoute('10.79.197.200', stdout, '', 0)).toEqual({
      destination: '10.79.197.200',
      ok: true,
      interface: 'Ethernet',
      gateway: '172.31.232.1',
      type: 'unicast',
      matched: '0.0.0.0/0',
    })
  })

  it('agrees with the text form of the same documented example', () => {
    const text = readFixture('windows-server-doc-example.txt')
    const routeBlock = text.slice(text.indexOf('Caption'))
    const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*?)\\s*$`, 'm').exec(routeBlock)?.[1]
    const json = readFixture('windows-server-doc-example.derived.json')
    const derived = JSON.parse(json) as Record<string, unknown>
    expect({
      DestinationPrefix: field('DestinationPrefix'),
      NextHop: field('NextHop'),
      InterfaceAlias: field('InterfaceAlias'),
      InterfaceIndex: Number(field('InterfaceIndex')),
      RouteMetric: Number(field('RouteMetric')),
    }).toEqual(derived)
  })

  it('reads an on-link route as having no gateway', () => {
    const stdout = readFixture('windows-server-doc-example.derived.json').replace('"172.31.232.1"', '"0.0.0.0"')
    expect(parseWindowsFindNetRoute('10.79.197.200', stdout, '', 0)).toEqual({
      destination: '10.79.197.200',
      ok: true,
      interface: 'Ethernet',
      type: 'unicast',
      matched: '0.0.0.0/0',
    })
  })

  it('reads the route from an array when -Last 1 was left out', () => {
    const stdout = `[${readFixture('windows-server-doc-example.derived.json').trim()}]`
    expect(parseWindowsFindNetRoute('10.79.197.200', stdout, '', 0)).toMatchObject({ ok: true, interface: 'Ethernet', matched: '0.0.0.0/0' })
  })

  it('reports a failed run that printed nothing', () => {
    expect(parseWindowsFindNetRoute('10.79.197.200', '', '', 1)).toEqual({
      destination: '10.79.197.200',
      ok: false,
      error: 'powershell exited with status 1 and printed nothing',
    })
  })

  it('does not throw on the text form, it reports it as unexpected', () => {
    expect(parseWindowsFindNetRoute('10.79.197.200', readFixture('windows-server-doc-example.txt'), '', 0)).toEqual({
      destination: '10.79.197.200',
      ok: false,
      error: 'unexpected Find-NetRoute output: PS C:\\>Find-NetRoute -RemoteIPAddress "10.79.197.200"',
    })
  })
})
