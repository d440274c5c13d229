/** Fixes for a certificate that does not verify against the cluster CA. */
import type { Fix } from '../engine/types.js'

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

export function buildPathMtuFix(ip: string): Fix {
  return {
    category: 'routing',
    title: `Find the largest packet that reaches ${ip}`,
    why:
      'The SYN and its answer are small and pass; the server certificate needs full-size packets. If those are dropped ' +
      'without an ICMP "fragmentation needed" reaching you, the handshake hangs. Probe the path MTU, then lower the ' +
      'MTU of the VPN interface (or clamp MSS on the VPN router) below it.',
    commands: [`ping -c 3 -M do -s 1200 ${ip}   # Linux; lower -s until it passes`, `ping -c 3 -D -s 1200 ${ip}   # macOS`],
  }
}
