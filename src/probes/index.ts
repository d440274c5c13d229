/** The registry: every probe, in path order. Adding a probe is one import and one entry. */
import type { AnyProbe } from '../engine/types.js'
import { readyzProbe } from './apiserver/readyz.js'
import { accessEntryProbe } from './authn/access-entry.js'
import { tokenProbe } from './authn/token.js'
import { whoamiProbe } from './authn/whoami.js'
import { accessReviewProbe } from './authz/access-review.js'
import { contextProbe } from './kubeconfig/context.js'
import { execCommandProbe } from './kubeconfig/exec-command.js'
import { execOutputProbe } from './kubeconfig/exec-output.js'
import { execProfileProbe } from './kubeconfig/exec-profile.js'
import { guiPathProbe } from './kubeconfig/gui-path.js'
import { kubectlProbe } from './kubeconfig/kubectl.js'
import { lockProbe } from './kubeconfig/lock.js'
import { pathVariableProbe } from './kubeconfig/path-variable.js'
import { shadowedProbe } from './kubeconfig/shadowed.js'
import { writableProbe } from './kubeconfig/writable.js'
import { viaProxyProbe } from './apiserver/via-proxy.js'
import { describeProbe } from './cluster/describe.js'
import { endpointAccessProbe } from './cluster/endpoint-access.js'
import { endpointEnisProbe } from './cluster/endpoint-enis.js'
import { vpcProbe } from './cluster/vpc.js'
import { identityProbe } from './credentials/identity.js'
import { resolverConfigProbe } from './dns/resolver-config.js'
import { resolversProbe } from './dns/resolvers.js'
import { systemResolverProbe } from './dns/system.js'
import { proxyProbe } from './env/proxy.js'
import { toolsProbe } from './env/tools.js'
import { clientVpnProbe } from './network/client-vpn.js'
import { naclProbe } from './network/nacl.js'
import { peeringProbe } from './network/peering.js'
import { routeTablesProbe } from './network/route-tables.js'
import { securityGroupProbe } from './network/security-group.js'
import { sourceCidrProbe } from './network/source-cidr.js'
import { tcpConnectProbe } from './network/tcp-connect.js'
import { transitGatewayProbe } from './network/transit-gateway.js'
import { vpnForwardingProbe } from './network/vpn-forwarding.js'
import { vpnRouteProbe } from './network/vpn-route.js'
import { vpnRouterProbe } from './network/vpn-router.js'
import { localRouteProbe } from './routing/local-route.js'
import { tailscaleProbe } from './routing/tailscale.js'
import { vpnPeerProbe } from './routing/vpn-peer.js'
import { wireguardProbe } from './routing/wireguard.js'
import { handshakeProbe } from './tls/handshake.js'

export const PROBES: readonly AnyProbe[] = [
  toolsProbe,
  identityProbe,
  describeProbe,
  endpointAccessProbe,
  endpointEnisProbe,
  vpcProbe,
  proxyProbe,
  // The VPN client first: what it does to DNS (Tailscale's accept-DNS, split DNS) shapes the DNS fixes.
  tailscaleProbe,
  resolverConfigProbe,
  systemResolverProbe,
  resolversProbe,
  localRouteProbe,
  vpnPeerProbe,
  wireguardProbe,
  tcpConnectProbe,
  // The AWS side, read only to explain a dropped connection (and always by audit), about in the order a packet meets it.
  sourceCidrProbe,
  // A Client VPN client's packet meets the endpoint first: its association, routes and authorization rules.
  clientVpnProbe,
  // A dead peering turns every route through it into a blackhole: it is the cause, so it comes first.
  peeringProbe,
  // So does a transit gateway that is gone, or an attachment that is.
  transitGatewayProbe,
  vpnRouterProbe,
  vpnRouteProbe,
  naclProbe,
  securityGroupProbe,
  routeTablesProbe,
  vpnForwardingProbe,
  handshakeProbe,
  readyzProbe,
  viaProxyProbe,
  tokenProbe,
  whoamiProbe,
  accessEntryProbe,
  accessReviewProbe,
  // The files kubectl reads and writes, then the context against the cluster, then what its exec entry runs as.
  pathVariableProbe,
  lockProbe,
  writableProbe,
  contextProbe,
  shadowedProbe,
  execCommandProbe,
  guiPathProbe,
  execOutputProbe,
  execProfileProbe,
  kubectlProbe,
]
