#!/usr/bin/env bash
# Print the URI of the Debian archive this machine's apt uses, so the scripts fetch from the
# user's own mirror or proxy instead of a host written into the repo.
#
# It is the first enabled `deb` source whose suites include the machine's codename (the main
# archive; the security archive's suite is `<codename>-security`) and whose components include
# `main`, read from the deb822 `*.sources` files and the one-line `sources.list` files where apt's
# configuration says they are. VECSTORE_DEBIAN_MIRROR overrides the choice.
set -euo pipefail

if [ -n "${VECSTORE_DEBIAN_MIRROR:-}" ]; then
  echo "$VECSTORE_DEBIAN_MIRROR"
  exit 0
fi

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || { echo "debian-mirror: no VERSION_CODENAME in /etc/os-release" >&2; exit 1; }

# Where apt reads its sources (Dir::Etc may be relocated).
eval "$(apt-config shell SOURCELIST Dir::Etc::sourcelist/f SOURCEPARTS Dir::Etc::sourceparts/d)"
SOURCELIST=${SOURCELIST:-/etc/apt/sources.list}
SOURCEPARTS=${SOURCEPARTS:-/etc/apt/sources.list.d/}

deb822_candidates() {  # paragraphs: Types, URIs, Suites, Components, Enabled
  awk -v codename="$codename" '
    function has(list, word) { return (" " list " ") ~ (" " word " ") }
    function flush(   n, i, u) {
      if (has(f["types"], "deb") && tolower(f["enabled"]) != "no" &&
          has(f["suites"], codename) && has(f["components"], "main")) {
        n = split(f["uris"], u, " ")
        for (i = 1; i <= n; i++) print u[i]
      }
      delete f; key = ""
    }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ { if (key != "") f[key] = f[key] " " $0; next }   # continuation line
    {
      key = tolower($0); sub(/:.*/, "", key)
      value = $0; sub(/^[^:]*:[ \t]*/, "", value)
      f[key] = value
    }
    END { flush() }
  ' "$@"
}

one_line_candidates() {  # deb [options] uri suite component...
  awk -v codename="$codename" '
    $1 != "deb" { next }
    {
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      uri = $i; suite = $(i + 1); main = 0
      for (j = i + 2; j <= NF && $j !~ /^#/; j++) if ($j == "main") main = 1
      if (suite == codename && main) print uri
    }
  ' "$@"
}

candidates=$(
  [ -f "$SOURCELIST" ] && one_line_candidates "$SOURCELIST"
  for file in "$SOURCEPARTS"*.list; do [ -f "$file" ] && one_line_candidates "$file"; done
  for file in "$SOURCEPARTS"*.sources; do [ -f "$file" ] && deb822_candidates "$file"; done
  true
)
mirror=$(grep -v '^cdrom:' <<<"$candidates" | sed -n 1p)
if [ -z "$mirror" ]; then
  echo "debian-mirror: no Debian archive for '$codename' (with 'main') in $SOURCELIST or $SOURCEPARTS;" \
    "set VECSTORE_DEBIAN_MIRROR to your Debian mirror's URI" >&2
  exit 1
fi
echo "$mirror"
