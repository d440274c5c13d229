import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseResolvConf, type ResolvConf } from '../../../../src/platform/parsers/resolv-conf.js'

function readFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/resolv-conf/${name}`, import.meta.url), 'utf8')
}

describe('parseResolvConf', () => {
  const cases: ReadonlyArray<readonly [string, ResolvConf]> = [
    ['debian12-container.conf', { nameservers: ['10.255.255.53'], search: [], options: [] }],
    [
      'ubuntu-systemd-resolved-stub-tailscale.conf',
      {
        nameservers: ['127.0.0.53'],
        search: ['vcn03111505.oraclevcn.com', 'noodlefish-pound.ts.net'],
        options: ['edns0', 'trust-ad'],
      },
    ],
    // "search ." is how systemd-resolved writes "no search domain"; it is returned as written.
    ['ubuntu-systemd-resolved-stub-search-dot.conf', { nameservers: ['127.0.0.53'], search: ['.'], options: ['edns0', 'trust-ad'] }],
    [
      'macos-scoped-ipv6-nameserver.conf',
      { nameservers: ['fe80::729f:2dff:fe9a:baae%en0', '192.168.2.254'], search: ['home'], options: [] },
    ],
    ['rhel7-networkmanager-domain-search.conf', { nameservers: ['172.25.254.254'], search: ['example.com'], options: [] }],
  ]

  it.each(cases)('reads %s', (name, expected) => {
    expect(parseResolvConf(readFixture(name))).toEqual(expected)
  })

  it('lets the last of search and domain win, as resolv.conf(5) says', () => {
    const rhel = readFixture('rhel7-networkmanager-domain-search.conf')
    const reordered = rhel.replace('domain example.com\nsearch example.com', 'search example.com\ndomain lan')
    expect(parseResolvConf(reordered).search).toEqual(['lan'])
  })

  it('reads an empty file as empty settings', () => {
    expect(parseResolvConf('')).toEqual({ nameservers: [], search: [], options: [] })
  })
})
