import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  parseDarwinIfconfig,
  parseLinuxLinkJson,
  parseWindowsIpInterface,
  type WindowsIpInterface,
} from '../../../../src/platform/parsers/interface-mtu.js'

/** One recorded run of `ip` (test/fixtures/interface-mtu/record.sh). */
interface Capture {
  command: string[]
  exitCode: number
  stdout: string
  stderr: string
}

function readFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/interface-mtu/${name}`, import.meta.url), 'utf8')
}

function readCapture(name: string): Capture {
  return JSON.parse(readFixture(`debian12-iproute2-6.1.0/${name}.json`)) as Capture
}

/** A Windows row as a compact tuple: index, alias, family, MTU, up. */
function windowsRows(rows: WindowsIpInterface[]): Array<[number | undefined, string, string | undefined, number | undefined, boolean]> {
  return rows.map((r) => [r.index, r.name, r.addressFamily, r.mtu, r.up])
}

describe('parseLinuxLinkJson', () => {
  it('reads `ip -j link show`: up needs UP and LOWER_UP, no kind without -d', () => {
    expect(parseLinuxLinkJson(readCapture('link-show').stdout)).toEqual([
      { name: 'lo', mtu: 65536, up: true },
      { name: 'ifb0', mtu: 1500, up: false },
      { name: 'ifb1', mtu: 1500, up: false },
      { name: 'eth0', mtu: 1400, up: true },
    ])
  })

  it('reads the kind from linkinfo.info_kind with -d', () => {
    expect(parseLinuxLinkJson(readCapture('link-show-details').stdout)).toEqual([
      { name: 'lo', mtu: 65536, up: true },
      { name: 'ifb0', mtu: 1500, up: false, kind: 'ifb' },
      { name: 'ifb1', mtu: 1500, up: false, kind: 'ifb' },
      { name: 'eth0', mtu: 1400, up: true },
    ])
  })

  it('reads a single device', () => {
    expect(parseLinuxLinkJson(readCapture('link-show-dev-lo').stdout)).toEqual([{ name: 'lo', mtu: 65536, up: true }])
    expect(parseLinuxLinkJson(readCapture('link-show-dev-eth0-details').stdout)).toEqual([{ name: 'eth0', mtu: 1400, up: true }])
  })

  it('returns [] for a device that does not exist (exit 1, nothing on stdout)', () => {
    const capture = readCapture('link-show-dev-missing')
    expect(capture.exitCode).toBe(1)
    expect(parseLinuxLinkJson(capture.stdout)).toEqual([])
  })

  it('reads `ip -j addr` too: tailscale0 at 1280, a NIC that is UP without carrier is not up', () => {
    expect(parseLinuxLinkJson(readFixture('linux-nixos-asahi-ip-j-addr-tailscale0.json'))).toEqual([
      { name: 'lo', mtu: 65536, up: true },
      { name: 'end0', mtu: 1500, up: false },
      { name: 'wlan0', mtu: 1500, up: true },
      { name: 'tailscale0', mtu: 1280, up: true },
    ])
  })

  it.each([
    ['empty stdout', '', []],
    ['an error text', 'Device "wg0" does not exist.\n', []],
    ['a JSON object instead of an array', '{"ifname":"lo"}', []],
    ['entries without a name', '[{"ifname":7},null,"lo"]', []],
    ['a link without flags or mtu', '[{"ifname":"wg0","mtu":"1420"}]', [{ name: 'wg0', up: false }]],
  ])('copes with %s', (_name, stdout, expected) => {
    expect(parseLinuxLinkJson(stdout)).toEqual(expected)
  })
})

describe('parseDarwinIfconfig', () => {
  it('reads a full macOS 10.14 `ifconfig`: utun MTUs, flags=0<> links, NICs with status inactive', () => {
    expect(parseDarwinIfconfig(readFixture('darwin-10.14.6-jc-ifconfig.txt'))).toEqual([
      { name: 'lo0', mtu: 16384, up: true },
      { name: 'gif0', mtu: 1280, up: false },
      { name: 'stf0', mtu: 1280, up: false },
      { name: 'XHC1', mtu: 0, up: false },
      { name: 'XHC0', mtu: 0, up: false },
      { name: 'XHC20', mtu: 0, up: false },
      { name: 'en5', mtu: 1500, up: true },
      { name: 'en0', mtu: 1500, up: true },
      // UP and RUNNING, but `status: inactive`: no carrier.
      { name: 'p2p0', mtu: 2304, up: false },
      { name: 'awdl0', mtu: 1484, up: true },
      { name: 'en1', mtu: 1500, up: false },
      { name: 'en2', mtu: 1500, up: false },
      { name: 'en3', mtu: 1500, up: false },
      { name: 'en4', mtu: 1500, up: false },
      { name: 'bridge0', mtu: 1500, up: false },
      { name: 'utun0', mtu: 2000, up: true },
      { name: 'utun1', mtu: 1380, up: true },
      { name: 'utun2', mtu: 1380, up: true },
      { name: 'utun3', mtu: 1380, up: true },
      { name: 'utun4', mtu: 1380, up: true },
    ])
  })

  it('reads `ifconfig -v utun4` of a Tailscale tunnel (index after the MTU, many detail lines)', () => {
    expect(parseDarwinIfconfig(readFixture('darwin-15.3-teleport-ifconfig-v-utun4.txt'))).toEqual([{ name: 'utun4', mtu: 1280, up: true }])
  })

  it('reads a WireGuard tunnel at 1420', () => {
    expect(parseDarwinIfconfig(readFixture('darwin-wireguard-blog-ifconfig.txt'))).toEqual([
      { name: 'lo0', mtu: 16384, up: true },
      { name: 'en0', mtu: 1500, up: true },
      { name: 'utun4', mtu: 1420, up: true },
    ])
  })

  it('reads CRLF like LF', () => {
    const text = readFixture('darwin-wireguard-blog-ifconfig.txt')
    expect(parseDarwinIfconfig(text.replaceAll('\n', '\r\n'))).toEqual(parseDarwinIfconfig(text))
  })

  it.each([
    ['empty stdout', ''],
    ['the error for a missing interface', 'ifconfig: interface utun9 does not exist\n'],
    ['detail lines without a header', '\tinet 100.87.112.117 --> 100.87.112.117 netmask 0xffffffff\n\tstatus: active\n'],
  ])('returns [] for %s', (_name, stdout) => {
    expect(parseDarwinIfconfig(stdout)).toEqual([])
  })

  it('marks an interface down when its status line says inactive, whatever its flags', () => {
    // The recorded utun4 header, followed by the media status line a NIC block ends with.
    const header = readFixture('darwin-15.3-teleport-ifconfig-v-utun4.txt').split('\n')[0] as string
    expect(parseDarwinIfconfig(`${header}\n\tstatus: inactive\n`)).toEqual([{ name: 'utun4', mtu: 1280, up: false }])
  })
})

describe('parseWindowsIpInterface', () => {
  it('reads the default table: one row per family, Tailscale at 1280, disconnected adapters down', () => {
    expect(windowsRows(parseWindowsIpInterface(readFixture('windows-hyperv-tailscale-openvpn.txt')))).toEqual([
      [11, 'Tailscale', 'IPv4', 1280, true],
      [11, 'Tailscale', 'IPv6', 1280, true],
      [5, 'vEthernet (iEthernet)', 'IPv6', 1500, true],
      [5, 'vEthernet (iEthernet)', 'IPv4', 1500, true],
      [25, 'vEthernet (eEthernet)', 'IPv4', 1500, true],
      [30, 'Ethernet 5', 'IPv4', 1500, true],
      [3, 'OpenVPN Data Channel Offload', 'IPv4', 1500, false],
      [34, 'OpenVPN TAP-Windows6 #1', 'IPv4', 1500, false],
      [20, 'OpenVPN TAP-Windows6', 'IPv4', 1500, false],
      [3, 'OpenVPN Data Channel Offload', 'IPv6', 1500, false],
      [34, 'OpenVPN TAP-Windows6 #1', 'IPv6', 1500, false],
      [30, 'Ethernet 5', 'IPv6', 1500, true],
      [20, 'OpenVPN TAP-Windows6', 'IPv6', 1500, false],
      [25, 'vEthernet (eEthernet)', 'IPv6', 1500, true],
      [17, 'Bluetooth Network Connection', 'IPv4', 1500, false],
      [17, 'Bluetooth Network Connection', 'IPv6', 1500, false],
      [1, 'Loopback Pseudo-Interface 1', 'IPv4', 4294967295, true],
      [1, 'Loopback Pseudo-Interface 1', 'IPv6', 4294967295, true],
      [37, 'vEthernet (Default Switch)', 'IPv6', 1500, true],
      [37, 'vEthernet (Default Switch)', 'IPv4', 1500, true],
    ])
  })

  it('reads aliases with `*` and numbers (WSL, Wi-Fi Direct adapters)', () => {
    expect(windowsRows(parseWindowsIpInterface(readFixture('windows-wsl-wifi.txt')))).toEqual([
      [47, 'vEthernet (WSL)', 'IPv6', 1500, true],
      [26, 'vEthernet (WSLCore)', 'IPv6', 1500, true],
      [18, 'Bluetooth Network Connection', 'IPv6', 1500, false],
      [8, 'Local Area Connection* 10', 'IPv6', 1500, false],
      [7, 'Local Area Connection* 1', 'IPv6', 1500, false],
      [15, 'Wi-Fi', 'IPv6', 1500, true],
      [1, 'Loopback Pseudo-Interface 1', 'IPv6', 4294967295, true],
      [47, 'vEthernet (WSL)', 'IPv4', 1500, true],
      [26, 'vEthernet (WSLCore)', 'IPv4', 1500, true],
      [18, 'Bluetooth Network Connection', 'IPv4', 1500, false],
      [8, 'Local Area Connection* 10', 'IPv4', 1500, false],
      [7, 'Local Area Connection* 1', 'IPv4', 1500, false],
      [15, 'Wi-Fi', 'IPv4', 1500, true],
      [1, 'Loopback Pseudo-Interface 1', 'IPv4', 4294967295, true],
    ])
  })

  it('reads CJK aliases that PowerShell padded by display width', () => {
    const rows = windowsRows(parseWindowsIpInterface(readFixture('windows-zh-cn.txt')))
    expect(rows).toHaveLength(16)
    expect(rows.slice(4, 8)).toEqual([
      [13, '本地连接* 3', 'IPv6', 1500, false],
      [14, '本地连接* 1', 'IPv6', 1500, false],
      [12, '以太网', 'IPv6', 1500, true],
      [3, 'WLAN', 'IPv6', 1500, false],
    ])
    expect(rows.slice(12)).toEqual([
      [13, '本地连接* 3', 'IPv4', 1500, false],
      [14, '本地连接* 1', 'IPv4', 1500, false],
      [12, '以太网', 'IPv4', 1500, true],
      [3, 'WLAN', 'IPv4', 1500, false],
    ])
  })

  it('reads CRLF output, as PowerShell writes it', () => {
    const text = readFixture('windows-wsl-wifi.txt')
    expect(parseWindowsIpInterface(text.replaceAll('\n', '\r\n'))).toEqual(parseWindowsIpInterface(text))
  })

  it('reads ConvertTo-Json with numeric enums (derived fixture)', () => {
    expect(parseWindowsIpInterface(readFixture('windows-hyperv-tailscale-openvpn.derived.json'))).toEqual([
      { name: 'Tailscale', index: 11, addressFamily: 'IPv4', mtu: 1280, up: true },
      { name: 'OpenVPN Data Channel Offload', index: 3, addressFamily: 'IPv4', mtu: 1500, up: false },
      { name: 'Ethernet 5', index: 30, addressFamily: 'IPv6', mtu: 1500, up: true },
    ])
  })

  it('agrees with the table it was derived from', () => {
    const table = parseWindowsIpInterface(readFixture('windows-hyperv-tailscale-openvpn.txt'))
    for (const row of parseWindowsIpInterface(readFixture('windows-hyperv-tailscale-openvpn.derived.json'))) {
      expect(table).toContainEqual(row)
    }
  })

  it('reads one object (ConvertTo-Json of a single interface is not an array) and string enums', () => {
    const [first] = JSON.parse(readFixture('windows-hyperv-tailscale-openvpn.derived.json')) as object[]
    expect(parseWindowsIpInterface(JSON.stringify(first))).toEqual([{ name: 'Tailscale', index: 11, addressFamily: 'IPv4', mtu: 1280, up: true }])
    // PowerShell 7 with -EnumsAsStrings, and InterfaceIndex instead of the ifIndex alias.
    const strings = '{"InterfaceIndex":3,"InterfaceAlias":"OpenVPN Data Channel Offload","AddressFamily":"IPv6","NlMtu":1500,"ConnectionState":"Disconnected"}'
    expect(parseWindowsIpInterface(strings)).toEqual([{ name: 'OpenVPN Data Channel Offload', index: 3, addressFamily: 'IPv6', mtu: 1500, up: false }])
  })

  it.each([
    ['empty stdout', ''],
    ['only the header', 'ifIndex InterfaceAlias AddressFamily NlMtu(Bytes) InterfaceMetric Dhcp ConnectionState PolicyStore\n------- --------------\n'],
    ['a cmdlet error', "Get-NetIPInterface : No MSFT_NetIPInterface objects found with property 'InterfaceAlias' equal to 'wg0'.\n"],
    ['broken JSON', '[{"InterfaceAlias": '],
    ['JSON without aliases', '[1, {"NlMtu": 1500}]'],
  ])('returns [] for %s', (_name, stdout) => {
    expect(parseWindowsIpInterface(stdout)).toEqual([])
  })
})
