/** Fixes for a certificate that does not verify against the cluster CA. */
import type { Fix } from '../engine/types.js'
import type { Platform } from '../platform/env.js'

export function buildStaleCaFix(o: { cluster?: string; region?: string; context?: string; caSource?: string; profile?: string }): Fix {
  const profile = o.profile ? ` --profile ${o.profile}` : ''
  return {
    category: 'kubeconfig',
    title: 'Refresh the cluster CA in your kubeconfig',
    why: `The API server's certificate is signed by a CA other than the one in ${o.caSource ?? 'your kubeconfig'}: the cluster was recreated or its CA rotated, and the kubeconfig kept the old one.`,
    commands:
      o.cluster && o.region
        ? [`eksdoctor kubeconfig --cluster ${o.cluster} --region ${o.region}${profile}`, `aws eks update-kubeconfig --name ${o.cluster} --region ${o.region}${profile}`]
        : ['kubectl config view --minify --raw   # compare certificate-authority-data with the cluster CA'],
  }
}

export function buildForeignCertificateFix(host: string, issuer: string, viaProxy: string | undefined): Fix {
  return {
    category: 'tls',
    title: `Stop the interception of ${host}`,
    why:
      `The certificate presented for ${host} is issued by "${issuer}", not by the cluster CA: ` +
      (viaProxy ? `the proxy ${viaProxy} inspects TLS, ` : 'a TLS-inspecting proxy or security agent, ') +
      'or another host answers at that address. kubectl will refuse it (x509: certificate signed by unknown authority).',
    commands: viaProxy ? [`export NO_PROXY="\${NO_PROXY:+$NO_PROXY,}${host}"`] : [],
  }
}

/** The largest MTU to try: Tailscale's own 1280 (IPv6's minimum), or 80 below an interface already there. */
export function smallerMtu(mtu: number | undefined): number {
  return mtu === undefined || mtu > 1280 ? 1280 : Math.max(576, mtu - 80)
}

/** Lower the MTU of the VPN interface on the workstation, so its SYN asks the server for smaller segments. */
export function buildVpnMtuFix(o: { iface: string; mtu?: number; platform: Platform }): Fix {
  const target = smallerMtu(o.mtu)
  const keep = /^wg/.test(o.iface)
    ? [`# to keep it: MTU = ${target} under [Interface] in the WireGuard config of ${o.iface}`]
    : /^(tun|tap)\d/.test(o.iface)
      ? [`# to keep it: tun-mtu ${target} and mssfix in the OpenVPN client config`]
      : []
  const set =
    o.platform === 'darwin'
      ? `sudo ifconfig ${o.iface} mtu ${target}`
      : o.platform === 'win32'
        ? `netsh interface ipv4 set subinterface "${o.iface}" mtu=${target} store=active`
        : `sudo ip link set dev ${o.iface} mtu ${target}`
  return {
    category: 'routing',
    title: `Lower the MTU of ${o.iface} to ${target}`,
    why:
      `${o.iface}${o.mtu ? ` has MTU ${o.mtu}` : ''}; the TCP handshake tells the server to send segments that fit it, and the path ` +
      'drops larger ones without the ICMP "fragmentation needed" that would make the sender shrink them. A smaller MTU makes both sides send packets the path carries.',
    commands: [set, ...keep],
  }
}

/** Rewrite the MSS of every TCP SYN the VPN router forwards, so no segment exceeds the path MTU. */
export function buildMssClampFix(o: { router?: string }): Fix {
  return {
    category: 'routing',
    title: `Clamp TCP MSS on ${o.router ?? 'the VPN router'}`,
    why:
      'The router joins links of different MTUs (the tunnel and the VPC, 9001 on EC2). Clamping rewrites the MSS in each SYN it forwards ' +
      'to what its outgoing link carries, for every client at once; where the narrow link lies beyond the router, set the MSS outright (--set-mss 1200).',
    commands: [`sudo iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu   # on ${o.router ?? 'the VPN router'}`],
  }
}

/**
 * The GODEBUG setting that drops Go's post-quantum key share: Go 1.23 offers X25519Kyber768Draft00
 * (tlskyber), Go 1.24 and later X25519MLKEM768 (tlsmlkem); Go ignores settings it does not know.
 */
export function postQuantumGodebug(goVersion: string | undefined): string {
  const m = /go1\.(\d+)/.exec(goVersion ?? '')
  if (!m) return 'tlsmlkem=0,tlskyber=0'
  return Number(m[1]) >= 24 ? 'tlsmlkem=0' : 'tlskyber=0'
}

/** Make kubectl send a small ClientHello until the path carries large packets. */
export function buildSmallHelloFix(o: { kubectl?: string; goVersion?: string }): Fix {
  const setting = postQuantumGodebug(o.goVersion)
  return {
    category: 'routing',
    title: 'Run kubectl without the post-quantum key share until the path is fixed',
    why:
      `${o.kubectl ? `kubectl ${o.kubectl}${o.goVersion ? ` (built with ${o.goVersion})` : ''}` : 'kubectl built with Go 1.23 or later'} offers a post-quantum key share, ` +
      'which makes its ClientHello about 1.7 KB, two packets; without it the hello fits in one. Other Go tools (helm, k9s, terraform) take the same setting.',
    commands: [`export GODEBUG=${setting}`],
  }
}
