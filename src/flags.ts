/** The flags every diagnosing command shares: the target, the output, the bounds. */
import { Flags } from '@oclif/core'

export const targetFlags = {
  cluster: Flags.string({ char: 'c', summary: 'EKS cluster name (with --region, or a region from the environment or profile)', helpGroup: 'TARGET' }),
  region: Flags.string({ char: 'r', summary: 'AWS region of the cluster', helpGroup: 'TARGET' }),
  profile: Flags.string({ char: 'p', summary: 'AWS profile for the AWS calls (default: AWS_PROFILE or the kubeconfig exec env)', helpGroup: 'TARGET' }),
  context: Flags.string({ summary: 'kubeconfig context to check (default: current-context)', helpGroup: 'TARGET' }),
  kubeconfig: Flags.string({ summary: 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)', helpGroup: 'TARGET' }),
  endpoint: Flags.string({ summary: 'check a bare https endpoint, without kubeconfig or AWS', helpGroup: 'TARGET' }),
  'ca-file': Flags.string({ summary: 'PEM CA to verify the --endpoint certificate against', helpGroup: 'TARGET' }),
  resolver: Flags.string({ summary: 'also ask this DNS server (repeatable)', multiple: true, helpGroup: 'TARGET' }),
  'can-i': Flags.string({ summary: 'also ask whether the user may "verb resource [-n namespace]" (repeatable)', multiple: true, helpGroup: 'TARGET' }),
  'source-cidr': Flags.string({ summary: 'what the cluster sees as the source of VPN traffic (default: inferred from peering and TGW routes)', helpGroup: 'AWS PATH' }),
  'vpn-instance': Flags.string({ summary: 'the VPN router instance id, to check its source/dest check', helpGroup: 'AWS PATH' }),
  'vpn-ip': Flags.string({ summary: 'the VPN router private IP, when its instance id is not at hand', helpGroup: 'AWS PATH' }),
  'client-vpn-endpoint': Flags.string({ summary: 'the AWS Client VPN endpoint id, when the cluster VPC is reached through one (default: found by its associations)', helpGroup: 'AWS PATH' }),
  'client-vpn-group': Flags.string({ summary: 'your Active Directory or IdP group on the Client VPN endpoint, to check its authorization rules for it', helpGroup: 'AWS PATH' }),
}

export const outputFlags = {
  format: Flags.string({ summary: 'output format', options: ['text', 'json', 'markdown'], default: 'text', helpGroup: 'OUTPUT' }),
  redact: Flags.boolean({ summary: 'mask account ids, public IPs and the endpoint host for sharing', helpGroup: 'OUTPUT' }),
  timeout: Flags.integer({ summary: 'bound for the whole run, in seconds', default: 30, min: 1, max: 600, helpGroup: 'BOUNDS' }),
  'connect-timeout': Flags.integer({ summary: 'bound for each connection attempt, in seconds', default: 3, min: 1, max: 60, helpGroup: 'BOUNDS' }),
  debug: Flags.boolean({ summary: 'print stack traces of unexpected errors', helpGroup: 'OUTPUT' }),
}
