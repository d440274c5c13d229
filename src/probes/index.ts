/** The registry: every probe, in path order. Adding a probe is one import and one entry. */
import type { Probe } from '../engine/types.js'
import { readyzProbe } from './apiserver/readyz.js'
import { viaProxyProbe } from './apiserver/via-proxy.js'
import { describeProbe } from './cluster/describe.js'
import { endpointAccessProbe } from './cluster/endpoint-access.js'
import { resolversProbe } from './dns/resolvers.js'
import { systemResolverProbe } from './dns/system.js'
import { proxyProbe } from './env/proxy.js'
import { toolsProbe } from './env/tools.js'
import { tcpConnectProbe } from './network/tcp-connect.js'
import { localRouteProbe } from './routing/local-route.js'
import { tailscaleProbe } from './routing/tailscale.js'
import { vpnPeerProbe } from './routing/vpn-peer.js'
import { handshakeProbe } from './tls/handshake.js'

export const PROBES: readonly Probe[] = [
  toolsProbe,
  describeProbe,
  endpointAccessProbe,
  proxyProbe,
  systemResolverProbe,
  resolversProbe,
  tailscaleProbe,
  localRouteProbe,
  vpnPeerProbe,
  tcpConnectProbe,
  handshakeProbe,
  readyzProbe,
  viaProxyProbe,
] as Probe[]
