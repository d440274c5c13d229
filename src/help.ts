/** Help text shared by the commands: the exit codes of design.md. */
export const EXIT_CODES_HELP = `exit codes: 0 ok, 1 unexpected error, 2 usage error, 3 inconclusive, 10 credentials, 11 cluster, 12 kubeconfig, 13 proxy, 20 dns, 21 routing, 22 security-group, 23 tls, 30 iam, 31 rbac`
