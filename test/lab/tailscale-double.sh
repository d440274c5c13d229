#!/bin/sh
# A `tailscale` CLI double for the network lab, copied to the lab's bin/ as `tailscale`. It answers
# the commands eksdoctor runs (`version`, `status --json`, `debug prefs`, `dns status`) from files the lab writes
# for the current scenario (world.ts builds them in the JSON shapes of the real CLI: formats.md
# §1.2-1.4, test/fixtures/tailscale-status, test/fixtures/tailscale-prefs). Anything else fails, so
# a new call in eksdoctor shows up instead of passing silently.
state="${EKSDOCTOR_LAB_TAILSCALE_STATE:?EKSDOCTOR_LAB_TAILSCALE_STATE is not set: this is the lab double of tailscale}"
case "$1" in
  version)
    cat "$state/version.txt"
    ;;
  status)
    if [ "$2" = "--json" ]; then
      cat "$state/status.json"
    else
      echo "tailscale (lab double): only 'status --json' is answered" >&2
      exit 1
    fi
    ;;
  debug)
    if [ "$2" = "prefs" ]; then
      cat "$state/prefs.json"
    else
      echo "tailscale (lab double): only 'debug prefs' is answered" >&2
      exit 1
    fi
    ;;
  dns)
    if [ "$2" = "status" ] && [ -z "$3" ]; then
      cat "$state/dns-status.txt"
    else
      echo "tailscale (lab double): only 'dns status' is answered" >&2
      exit 1
    fi
    ;;
  *)
    echo "tailscale (lab double): unknown subcommand: $*" >&2
    exit 1
    ;;
esac
